"""Prometheus metrics of the service (served at /metrics by the diagnostics work)."""

from prometheus_client import Counter, Gauge, Histogram

DECISIONS = Counter(
    "pepper_decisions_total", "Screening decisions by action and deciding rung", ["action", "rung"]
)
FAIL_OPEN = Counter(
    "pepper_fail_open_total", "Decisions degraded to allow, by route and cause", ["route", "cause"]
)
WEBHOOK_SIGNATURE_FAILURES = Counter(
    "pepper_webhook_signature_failures_total",
    "Carrier webhooks refused for their signature",
    ["route"],
)
CARRIER_CALLS = Counter(
    "pepper_carrier_calls_total", "Carrier calls answered, by TwiML outcome", ["outcome"]
)
MODEL_SWAPS = Counter("pepper_model_swaps_total", "Times this process switched model versions")
# One series per live process ("liveall"): a rollout shows as every pid's 1 moving to the
# new version; a process stuck on the old one stands out.
ACTIVE_MODEL = Gauge(
    "pepper_model_active",
    "1 for the model version this process serves (reputation-v1: no model loaded)",
    ["version"],
    multiprocess_mode="liveall",
)
MODEL_LOAD_FAILURES = Counter(
    "pepper_model_load_failures_total", "Model versions refused on load", ["reason"]
)
REQUEST_SECONDS = Histogram(
    "pepper_request_seconds",
    "Request latency by route and status class",
    ["route", "method", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
MODEL_FEEDBACK = Counter(
    "pepper_model_feedback_total",
    "Wrong-block and wrong-allow reports linked to their decision, by deciding rung and model",
    ["kind", "rung", "model"],
)
RATE_LIMITED = Counter("pepper_rate_limited_total", "Requests refused with 429", ["route"])
SENTRY_DROPPED = Counter(
    "pepper_sentry_events_dropped_total", "Sentry events sentry-sdk dropped, by reason", ["reason"]
)
DB_SHED = Counter(
    "pepper_db_shed_total",
    "Requests refused at once (503) because this process's database slots were all waiting",
    ["route"],
)
CACHE_MISSES = Counter(
    "pepper_decision_cache_misses_total",
    "Call decisions that had to read the database for the device or the caller"
    " (hits: pepper_decisions_total minus these)",
    ["what"],
)
# POST /v1/screen's limit (pepper/http/shared_limit.py): "fast" in memory, "exact" one Redis
# round trip, "local" counted alone while Redis is failing or not configured.
RATE_LIMIT_CHECKS = Counter(
    "pepper_rate_limit_checks_total", "Rate-limit checks of /v1/screen by how decided", ["path"]
)
RATE_LIMIT_SYNC_FAILURES = Counter(
    "pepper_rate_limit_sync_failures_total",
    "Failed Redis calls of /v1/screen's limit, by caller (request or sync thread)",
    ["caller"],
)
CALL_RECORDS = Counter(
    "pepper_call_records_total",
    "Carrier call records: stored, failed (kept to try again), dropped (queue full) or"
    " refused by the database",
    ["outcome"],
)
QUEUED_WRITES = Counter(
    "pepper_queued_writes_total",
    "Writes queued while PostgreSQL was unavailable, and how their replay ended (applied,"
    " moot: can never apply, buried: set aside for an operator)",
    ["kind", "outcome"],
)
DEGRADED_ANSWERS = Counter(
    "pepper_degraded_answers_total",
    "Requests answered without PostgreSQL (from Redis or this process's memory), by route",
    ["route"],
)
