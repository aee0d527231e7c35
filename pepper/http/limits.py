"""Rate limits, shared across processes and hosts through Redis when it is configured.

Limits live in settings, keyed by endpoint. When Redis is down every route falls back
to per-process in-memory limits (Flask-Limiter's in-memory fallback): a flood is still
slowed on each process, and no request fails because the limiter's storage did
(Flask-Limiter logs the switch and checks Redis again every few seconds).
A 429 on ``/v1/screen`` is an answer like any failure: the app lets the call ring.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

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
        "reports.create_report": (settings.rate_limit_reports, token_or_ip),
        "numbers.lookup": (settings.rate_limit_lookup, token_or_ip),
        "field_issues.report_field_issue": (settings.rate_limit_field_issues, token_or_ip),
    }


# After a storage error, how long a DirectLimit counts in memory before trying Redis again.
STORAGE_RETRY_S = 5.0


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


def screen_limit(app: Flask, settings: Settings) -> DirectLimit:
    """The decision route's limit, per token, under the keys Flask-Limiter would use.

    Its storage waits on Redis at most the route's budget
    (``PEPPER_RATE_LIMIT_SCREEN_BUDGET_MS``): a call must not wait out Redis' timeout.
    """
    limiter: Limiter = app.extensions[LIMITER_KEY]
    storage: Storage = limiter.storage
    if settings.redis_url:
        budget_s = settings.rate_limit_screen_budget_ms / 1000
        shared = storage_from_string(
            settings.redis_url, socket_timeout=budget_s, socket_connect_timeout=budget_s
        )
        assert isinstance(shared, Storage)  # a redis:// URI: the synchronous storage
        storage = shared
    return DirectLimit(settings.rate_limit_screen, "screening.screen", limiter._key_prefix, storage)


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


def limit_headers(item: RateLimitItem, remaining: int, reset_at: float) -> dict[str, str]:
    """Retry-After, X-RateLimit-* and the IETF RateLimit fields of a 429."""
    window = item.get_expiry()
    retry_after = max(1, int(reset_at - time.time()))
    return {
        "Retry-After": str(retry_after),
        "X-RateLimit-Limit": str(item.amount),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(int(reset_at)),
        "RateLimit-Policy": f'"pepper";q={item.amount};w={window}',
        "RateLimit": f'"pepper";r={remaining};t={retry_after}',
    }


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request over its limit: what the 429 says about the window."""

    item: RateLimitItem
    remaining: int
    reset_at: float

    def headers(self) -> dict[str, str]:
        return limit_headers(self.item, self.remaining, self.reset_at)


class DirectLimit:
    """One route's limit, checked with ``limits`` on Flask-Limiter's shared storage.

    For the direct call routes (pepper.http.direct), which Flask-Limiter never sees:
    the same fixed window under the same keys, one ``hit`` per request. When the
    storage fails it counts in this process's memory for ``STORAGE_RETRY_S``, like
    Flask-Limiter's in-memory fallback, so a sick Redis costs no request its time.
    """

    def __init__(self, limit: str, scope: str, prefix: str, storage: Storage) -> None:
        self.item = parse(limit)
        self.scope = scope
        self.prefix = prefix
        self.shared = FixedWindowRateLimiter(storage)
        self.local = FixedWindowRateLimiter(MemoryStorage())
        self._lock = threading.Lock()
        self._shared_down_until = 0.0

    def admit(self, key: str) -> Refusal | None:
        """None when the request may go on, else what its 429 says."""
        keys = (self.prefix, key, self.scope)
        strategy = self._strategy()
        try:
            allowed = strategy.hit(self.item, *keys)
        except Exception:  # any storage failure: count locally, never fail the request
            log.warning("rate-limit storage failed; counting in memory", exc_info=True)
            with self._lock:
                self._shared_down_until = time.monotonic() + STORAGE_RETRY_S
            strategy = self.local
            allowed = strategy.hit(self.item, *keys)
        if allowed:
            return None
        try:
            reset_at, remaining = strategy.get_window_stats(self.item, *keys)
        except Exception:
            reset_at, remaining = time.time() + self.item.get_expiry(), 0
        return Refusal(self.item, remaining, reset_at)

    def _strategy(self) -> FixedWindowRateLimiter:
        return self.shared if time.monotonic() >= self._shared_down_until else self.local
