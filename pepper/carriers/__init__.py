"""Carrier integrations: they reuse the one decision policy, never a second one."""
