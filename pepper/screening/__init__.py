"""Screening: the one decision policy and the per-call decision service."""
