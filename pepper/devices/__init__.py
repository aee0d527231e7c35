"""Phone-app installations: registration, settings, erasure."""
