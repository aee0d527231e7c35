"""Rate limits, shared across processes and hosts through Redis when it is configured.

Limits live in settings, keyed by endpoint. When Redis is down every route falls back
to per-process in-memory limits (Flask-Limiter's in-memory fallback): a flood is still
slowed on each process, and no request fails because the limiter's storage did
(Flask-Limiter logs the switch and checks Redis again every few seconds).
``/v1/screen`` has its own limit, counted mostly in memory (pepper.http.shared_limit).
A 429 on ``/v1/screen`` is an answer like any failure: the app lets the call ring.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import redis
from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import RateLimitItem
from redis.backoff import NoBackoff
from redis.retry import Retry

from pepper.http.auth import token_fingerprint
from pepper.http.problems import from_http_exception
from pepper.http.refusal import Refusal, limit_headers
from pepper.http.shared_limit import SharedLimit
from pepper.settings import Settings

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
        "reports.create_report": (settings.rate_limit_reports, token_or_ip),
        "numbers.lookup": (settings.rate_limit_lookup, token_or_ip),
        "field_issues.report_field_issue": (settings.rate_limit_field_issues, token_or_ip),
    }


class DirectLimit(Protocol):
    """What a direct call route (pepper.http.direct), which Flask-Limiter never sees, asks
    of its limit."""

    def admit(self, key: str) -> Refusal | None:
        """None when the request may go on, else what its 429 says."""


def init_app(app: Flask, settings: Settings) -> Limiter:
    # Without timeouts redis-py waits forever on a Redis that stopped answering, and
    # every limited request would hang with it (redis-py issue 2243).
    storage_options: dict[str, str | int | float] = {
        "socket_timeout": settings.redis_socket_timeout_s,
        "socket_connect_timeout": settings.redis_connect_timeout_s,
    }
    limiter = Limiter(
        key_func=client_ip,
        app=app,
        storage_uri=settings.redis_url or "memory://",
        # Flask-Limiter types these as str | int; limits passes them on to redis-py.
        storage_options=storage_options,  # type: ignore[arg-type]
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


def screen_limit(settings: Settings) -> SharedLimit:
    """The decision route's limit, per token, shared through Redis when it is configured."""
    return SharedLimit(
        settings.rate_limit_screen,
        client=budget_client(settings) if settings.redis_url else None,
        prefix=f"{settings.redis_prefix}rl:screening.screen:",
        sync_s=settings.rate_limit_sync_ms / 1000,
    )


def budget_client(settings: Settings) -> redis.Redis:
    """A Redis client that waits at most the decision's budget for the rate limit.

    ``PEPPER_RATE_LIMIT_SCREEN_BUDGET_MS`` bounds connecting and each answer, and nothing
    is retried (redis-py retries a timeout three times by default, with backoff): a call
    must not wait out a sick Redis. A failure makes the limit count in memory instead.
    """
    assert settings.redis_url
    budget_s = settings.rate_limit_screen_budget_ms / 1000
    return redis.Redis.from_url(
        settings.redis_url,
        socket_timeout=budget_s,
        socket_connect_timeout=budget_s,
        retry=Retry(NoBackoff(), 0),
    )


def _too_many(error: RateLimitExceeded) -> Response:
    """429 as a problem, with Retry-After, X-RateLimit-* and the IETF RateLimit fields."""
    response = from_http_exception(error)
    current = current_app.extensions[LIMITER_KEY].current_limit
    if current is None:
        return response
    return _with_limit_headers(response, current.limit, current.remaining, current.reset_at)


def _with_limit_headers(
    response: Response, item: RateLimitItem, remaining: int, reset_at: float
) -> Response:
    response.headers.update(limit_headers(item, remaining, reset_at))
    return response
