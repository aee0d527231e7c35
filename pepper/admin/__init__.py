"""Operator-facing routes and commands, behind admin tokens."""
