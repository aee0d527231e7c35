"""API clients and their bearer tokens."""
