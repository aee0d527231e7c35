"""Every error leaves the service in one shape: RFC 9457 ``application/problem+json``.

Domain exceptions, werkzeug's HTTP errors (404, 405, 413, ...), request-validation
errors from the schemas, invalid numbers and unexpected crashes all become a ``Problem``
here (``classify``, ``http_problem``), rendered by Flask's error handlers or by the
direct call routes, so that a client needs one parser for all of them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify
from redis import RedisError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from pepper.errors import PepperError
from pepper.numbers import InvalidNumber

log = logging.getLogger(__name__)

PROBLEM_MIME = "application/problem+json"


@dataclass(frozen=True, slots=True)
class Problem:
    """What an error answers, before any framework renders it."""

    status: int
    code: str
    title: str
    detail: str = ""
    retry: bool = False  # a sick dependency: the client may retry (Retry-After: 1)
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"urn:pepper:problem:{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
        }
        if self.detail:
            body["detail"] = self.detail
        body.update(self.extra)
        return body


def classify(error: BaseException) -> Problem | None:
    """The problem a known kind of error answers; None for an unexpected one (a 500).

    The one mapping from exceptions to answers, for the Flask routes and the direct
    call routes (pepper.http.direct) alike.
    """
    if isinstance(error, PepperError):
        return Problem(
            error.status, error.code, error.title, error.detail, retry=error.status == 503,
            extra=error.extra,
        )  # fmt: skip
    if isinstance(error, InvalidNumber):
        return Problem(
            422, "invalid_number", "Not a phone number", str(error), extra={"reason": error.reason}
        )
    if isinstance(error, SQLAlchemyError):
        # A sick database is a 503 the client may retry, not a bug (500).
        log.warning("database unavailable", extra={"error": type(error).__name__})
        return Problem(503, "database_unavailable", "Database unavailable", retry=True)
    if isinstance(error, RedisError):
        log.warning("redis unavailable", extra={"error": type(error).__name__})
        return Problem(503, "cache_unavailable", "Shared state unavailable", retry=True)
    return None


def problem(
    status: int,
    code: str,
    title: str,
    detail: str = "",
    *,
    headers_retry: bool = False,
    **extra: Any,
) -> Response:
    return render(Problem(status, code, title, detail, headers_retry, extra))


def render(found: Problem) -> Response:
    response = jsonify(found.body())
    response.status_code = found.status
    response.mimetype = PROBLEM_MIME
    if found.retry:
        response.headers["Retry-After"] = "1"
    return response


def http_problem(error: HTTPException) -> tuple[Problem, list[tuple[str, str]]]:
    """The problem of a werkzeug HTTP error (404, 405, 413, 429, validation...) and the
    headers it must keep."""
    status = error.code or 500
    extra: dict[str, Any] = {}
    data = getattr(error, "data", None)
    if isinstance(data, dict) and "messages" in data:
        # webargs/flask-smorest validation failures: name the offending fields.
        extra["errors"] = data["messages"]
    code = (error.name or "error").lower().replace(" ", "_")
    detail = error.description if status != 500 else ""
    headers = [
        (name, value)
        for name, value in error.get_headers()
        if name.lower() != "content-type"  # keeps Allow on 405, Retry-After on 429
    ]
    if isinstance(data, dict) and isinstance(data.get("headers"), dict):
        headers.extend(data["headers"].items())
    return Problem(status, code, error.name or "Error", detail or "", extra=extra), headers


def from_http_exception(error: HTTPException) -> Response:
    found, headers = http_problem(error)
    response = render(found)
    for name, value in headers:
        response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(PepperError)
    @app.errorhandler(InvalidNumber)
    @app.errorhandler(SQLAlchemyError)
    @app.errorhandler(RedisError)
    def _known(error: Exception) -> Response:
        found = classify(error)
        assert found is not None  # registered for exactly the kinds classify knows
        return render(found)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return from_http_exception(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        # The message of an unexpected error may carry anything (numbers included):
        # it goes to the log and Sentry, never to the client.
        log.exception("unhandled error", exc_info=error)
        return from_http_exception(InternalServerError())
