"""Rate limits, shared across processes and hosts through Redis when it is configured.

Limits live in settings, keyed by endpoint. When Redis is down every route falls back
to per-process in-memory limits (Flask-Limiter's in-memory fallback): a flood is still
slowed on each process, and no request fails because the limiter's storage did
(Flask-Limiter logs the switch and checks Redis again every few seconds).
A 429 on ``/v1/screen`` is an answer like any failure: the app lets the call ring.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RateLimitExceeded

from pepper.http.auth import token_fingerprint
from pepper.http.problems import from_http_exception
from pepper.settings import Settings

log = logging.getLogger(__name__)
LIMITER_KEY = "pepper.limiter"


def client_ip() -> str:
    # remote_addr is the real client only with PEPPER_PROXY_HOPS set to the true hop
    # count (ProxyFix); set higher, anyone could spoof X-Forwarded-For.
    return request.remote_addr or "unknown"


def token_or_ip() -> str:
    fingerprint = token_fingerprint()
    return f"t:{fingerprint}" if fingerprint else f"ip:{client_ip()}"


def route_limits(settings: Settings) -> dict[str, tuple[str, Callable[[], str]]]:
    """endpoint → (limit, key function)."""
    return {
        "devices.register": (settings.rate_limit_register, client_ip),
        "screening.screen": (settings.rate_limit_screen, token_or_ip),
        "reports.create_report": (settings.rate_limit_reports, token_or_ip),
        "numbers.lookup": (settings.rate_limit_lookup, token_or_ip),
        "field_issues.report_field_issue": (settings.rate_limit_field_issues, token_or_ip),
    }


def init_app(app: Flask, settings: Settings) -> Limiter:
    storage_options: dict[str, str | int] = {}
    limiter = Limiter(
        key_func=client_ip,
        app=app,
        storage_uri=settings.redis_url or "memory://",
        storage_options=storage_options,
        key_prefix=f"{settings.redis_prefix}rl",
        # One INCR per request; moving windows cost a Lua script per check and a
        # second one per response for the headers.
        strategy="fixed-window",
        # Rate-limit headers only on 429 (see _too_many): on every response they would
        # cost the hot path another Redis round trip.
        headers_enabled=False,
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        default_limits=[settings.rate_limit_default, settings.rate_limit_per_ip],
        default_limits_per_method=False,
    )
    for endpoint, (limit, key_func) in route_limits(settings).items():
        view = app.view_functions.get(endpoint)
        if view is not None:
            # The limit is checked by the wrapper, so the wrapper must be what Flask calls.
            wrapped = limiter.limit(limit, key_func=key_func)(view)
            app.view_functions[endpoint] = wrapped  # type: ignore[assignment]
    # Health probes, and carrier webhooks: Twilio calls from a few addresses, so per-IP
    # limits would refuse real calls; the signature already keeps strangers out.
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith(("health.", "twilio.", "metrics.")):
            limiter.exempt(view)
    app.register_error_handler(RateLimitExceeded, _too_many)
    app.extensions[LIMITER_KEY] = limiter
    return limiter


def _too_many(error: RateLimitExceeded) -> Response:
    """429 as a problem, with Retry-After, X-RateLimit-* and the IETF RateLimit fields."""
    response = from_http_exception(error)
    current = current_app.extensions[LIMITER_KEY].current_limit
    if current is None:
        return response
    window = current.limit.get_expiry()
    retry_after = max(1, int(current.reset_at - time.time()))
    response.headers["Retry-After"] = str(retry_after)
    response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
    response.headers["X-RateLimit-Remaining"] = str(current.remaining)
    response.headers["X-RateLimit-Reset"] = str(int(current.reset_at))
    response.headers["RateLimit-Policy"] = f'"pepper";q={current.limit.amount};w={window}'
    response.headers["RateLimit"] = f'"pepper";r={current.remaining};t={retry_after}'
    return response
