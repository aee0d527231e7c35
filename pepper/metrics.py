"""Prometheus metrics of the service (served at /metrics by the diagnostics work)."""

from prometheus_client import Counter

DECISIONS = Counter(
    "pepper_decisions_total", "Screening decisions by action and deciding rung", ["action", "rung"]
)
FAIL_OPEN = Counter(
    "pepper_fail_open_total", "Decisions degraded to allow, by route and cause", ["route", "cause"]
)
