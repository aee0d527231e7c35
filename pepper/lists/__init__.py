"""Per-device allow and block lists."""
