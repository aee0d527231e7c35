"""Sentry for the server, private by construction.

Initialised from the app factory only when ``PEPPER_SENTRY_DSN`` is set. Request bodies,
local variables and default PII are never sent, and every event and breadcrumb goes
through the phone-number scrubber (``pepper.diagnostics.scrub``) first. Events leave
through sentry-sdk's bounded background queue, so an unreachable Sentry never slows a
request; health checks are never traced.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import sentry_sdk
from sentry_sdk.integrations import sqlalchemy as sentry_sqlalchemy
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger
from sentry_sdk.integrations.modules import ModulesIntegration
from sentry_sdk.integrations.redis import RedisIntegration
from sentry_sdk.integrations.rq import RqIntegration
from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration
from sentry_sdk.integrations.threading import ThreadingIntegration
from sentry_sdk.transport import HttpTransport
from sqlalchemy import Engine, event

from pepper import __version__
from pepper.diagnostics.scrub import before_breadcrumb, before_send
from pepper.metrics import SENTRY_DROPPED
from pepper.settings import Settings

UNTRACED = ("/livez", "/readyz", "/metrics")

_model_version: Callable[[], str] = lambda: "unknown"  # noqa: E731 - replaced at init


class CountingTransport(HttpTransport):
    """sentry-sdk's HTTP transport, counting every event it drops (queue full, network
    error, rate limited, sampled out) in ``pepper_sentry_events_dropped_total``."""

    def record_lost_event(
        self, reason: str, data_category: Any = None, item: Any = None, *, quantity: int = 1
    ) -> None:
        SENTRY_DROPPED.labels(reason=str(reason)).inc(quantity if item is None else 1)
        super().record_lost_event(reason, data_category, item, quantity=quantity)


def release() -> str:
    sha = os.environ.get("PEPPER_GIT_SHA", "").strip()
    return f"pepper@{__version__}" + (f"+{sha[:12]}" if sha else "")


def _traces_sampler(rate: float) -> Callable[[dict[str, Any]], float]:
    def sample(context: dict[str, Any]) -> float:
        environ = context.get("wsgi_environ") or {}
        if str(environ.get("PATH_INFO", "")).startswith(UNTRACED):
            return 0.0
        return rate

    return sample


def _send(event: Any, hint: Any) -> Any:
    scrubbed = before_send(event, hint)
    if scrubbed is not None:
        scrubbed.setdefault("tags", {})["model_version"] = _model_version()
    return scrubbed


def init_sentry(
    settings: Settings, model_version: Callable[[], str], sql_engines: Sequence[Engine] = ()
) -> bool:
    """Start reporting to Sentry if a DSN is configured; returns whether it did.

    ``sql_engines``: when given, only these engines' queries become spans and breadcrumbs
    (see ``_instrument_only``).
    """
    global _model_version
    if not settings.sentry_dsn:
        return False
    _model_version = model_version
    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        release=release(),
        environment=settings.env,
        sample_rate=settings.sentry_sample_rate,
        # No sampler at all unless tracing is wanted: with one, every request starts a
        # transaction (and spans for each query) only to throw it away.
        traces_sampler=(
            _traces_sampler(settings.sentry_traces_sample_rate)
            if settings.sentry_traces_sample_rate > 0
            else None
        ),
        # Release health is for apps; on a server it is bookkeeping on every request.
        auto_session_tracking=False,
        # What send_default_pii=False means, spelled out (sentry-sdk 2.7x deprecates the
        # flag for this), and stricter: no cookies, no query strings, no bodies, no
        # local variables, only two harmless headers.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {
                "request": {"mode": "allowlist", "terms": ["user-agent", "content-type"]}
            },
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "graphql": {"document": False, "variables": False},
            "gen_ai": {"inputs": False, "outputs": False},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        max_request_body_size="never",
        before_send=_send,
        before_breadcrumb=before_breadcrumb,
        # Never wait long for Sentry at shutdown either: a draining worker has calls to end.
        shutdown_timeout=1,
        transport=CountingTransport,
        integrations=[
            FlaskIntegration(),
            SqlalchemyIntegration(),
            RqIntegration(),
            LoggingIntegration(),
            # Forking two scopes per thread-pool task, on every call decision; the
            # decision hands its context (scopes included) to its thread itself.
            ThreadingIntegration(propagate_scope=False),
        ],
        # Redis: a span and a breadcrumb for every rate-limit check, on every request,
        # saying nothing an error report needs. Modules: every installed package's name
        # and version in every event, most of an event's serializing (~200 nodes); the
        # release names the build.
        disabled_integrations=[RedisIntegration, ModulesIntegration],
    )
    # gunicorn's access log: one breadcrumb (built and scrubbed) per request, decisions
    # included, written after the request's scope is gone, so attached to nothing useful.
    ignore_logger("gunicorn.access")
    if sql_engines:
        _instrument_only(sql_engines)
    return True


# The listeners sentry-sdk's SQLAlchemy integration puts on every Engine (private names:
# if a release renames them, nothing is moved and every engine stays instrumented).
_SQL_HOOKS = ("before_cursor_execute", "after_cursor_execute", "handle_error")


def _instrument_only(engines: Sequence[Engine]) -> None:
    """Move the SQLAlchemy integration's listeners from every engine to these ones.

    The call decision's engine is left out: a span and a scrubbed breadcrumb per query
    cost it ~60 µs of CPU per decision (more than scoring), and a decision that fails
    is counted and logged (so reported) without them.
    """
    for hook in _SQL_HOOKS:
        listener = getattr(sentry_sqlalchemy, f"_{hook}", None)
        if listener is None:
            continue
        if event.contains(Engine, hook, listener):
            event.remove(Engine, hook, listener)
        for engine in engines:
            if not event.contains(engine, hook, listener):
                event.listen(engine, hook, listener)
