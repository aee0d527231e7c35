"""Per-request observability: a request id on every log line and response, and the
latency of every route in a Prometheus histogram."""

from __future__ import annotations

import logging
import random
import re
import time
from contextvars import ContextVar, Token

from flask import Flask, Response, g, request

from pepper.http.access_log import ROUTE_KEY
from pepper.metrics import RATE_LIMITED, REQUEST_SECONDS
from pepper.tally import tally

_REQUEST_ID = ContextVar("pepper_request_id", default="-")
# What we accept from a client or a proxy: short, and nothing that could smuggle PII.
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdFilter(logging.Filter):
    """Stamps each log record with the current request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _REQUEST_ID.get()
        return True


def bind_request_id(sent: str) -> tuple[str, Token[str]]:
    """The request's id (the one sent, when it is acceptable) and the token that unbinds
    it from this context's log lines."""
    # Not a secret, only unique enough to find one request's lines: no os.urandom call
    # (a system call per request) as uuid4 would make.
    request_id = sent if _VALID_ID.match(sent) else f"{random.getrandbits(128):032x}"
    return request_id, _REQUEST_ID.set(request_id)


def unbind_request_id(token: Token[str]) -> None:
    _REQUEST_ID.reset(token)


def record(route: str, method: str, status: int, seconds: float) -> None:
    """A finished request in the metrics. ``route`` is the rule, never the path: paths
    carry phone numbers and unbounded cardinality."""
    tally.observe(REQUEST_SECONDS, route, method, f"{status // 100}xx", value=seconds)
    if status == 429:
        tally.inc(RATE_LIMITED, route)


def _begin() -> None:
    request_id, token = bind_request_id(request.headers.get("X-Request-ID", ""))
    g.pepper_request_token = token
    g.pepper_request_id = request_id
    g.pepper_started = time.perf_counter()


def _end(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("pepper_request_id", "-")
    started = g.get("pepper_started")
    route = request.url_rule.rule if request.url_rule is not None else None
    if route is not None:
        request.environ[ROUTE_KEY] = route  # for the access log
    if started is not None:
        seconds = time.perf_counter() - started
        record(route or "unmatched", request.method, response.status_code, seconds)
    return response


def _teardown(_: BaseException | None) -> None:
    token = g.pop("pepper_request_token", None)
    if token is not None:
        unbind_request_id(token)


def init_app(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_end)
    app.teardown_request(_teardown)
