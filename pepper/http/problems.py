"""Every error leaves the service in one shape: RFC 9457 ``application/problem+json``.

Domain exceptions, werkzeug's HTTP errors (404, 405, 413, ...), request-validation
errors from the schemas, invalid numbers and unexpected crashes all pass through
``problem_response`` so that a client needs one parser for all of them.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from redis import RedisError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from pepper.errors import PepperError
from pepper.numbers import InvalidNumber

log = logging.getLogger(__name__)

PROBLEM_MIME = "application/problem+json"


def problem(
    status: int,
    code: str,
    title: str,
    detail: str = "",
    *,
    headers_retry: bool = False,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:pepper:problem:{code}",
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIME
    if headers_retry:
        response.headers["Retry-After"] = "1"
    return response


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    extra: dict[str, Any] = {}
    data = getattr(error, "data", None)
    if isinstance(data, dict) and "messages" in data:
        # webargs/flask-smorest validation failures: name the offending fields.
        extra["errors"] = data["messages"]
    code = (error.name or "error").lower().replace(" ", "_")
    detail = error.description if status != 500 else ""
    response = problem(status, code, error.name or "Error", detail or "", **extra)
    for name, value in error.get_headers():
        if name.lower() != "content-type":  # keeps Allow on 405, Retry-After on 429
            response.headers[name] = value
    if isinstance(data, dict) and isinstance(data.get("headers"), dict):
        response.headers.update(data["headers"])
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(PepperError)
    def _domain(error: PepperError) -> Response:
        return problem(error.status, error.code, error.title, error.detail, **error.extra)

    @app.errorhandler(InvalidNumber)
    def _invalid_number(error: InvalidNumber) -> Response:
        return problem(422, "invalid_number", "Not a phone number", str(error), reason=error.reason)

    @app.errorhandler(SQLAlchemyError)
    def _database(error: SQLAlchemyError) -> Response:
        # A sick database is a 503 the client may retry, not a bug (500).
        log.warning("database unavailable", extra={"error": type(error).__name__})
        return problem(503, "database_unavailable", "Database unavailable", headers_retry=True)

    @app.errorhandler(RedisError)
    def _redis(error: RedisError) -> Response:
        log.warning("redis unavailable", extra={"error": type(error).__name__})
        return problem(503, "cache_unavailable", "Shared state unavailable", headers_retry=True)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return from_http_exception(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        # The message of an unexpected error may carry anything (numbers included):
        # it goes to the log and Sentry, never to the client.
        log.exception("unhandled error", exc_info=error)
        return from_http_exception(InternalServerError())
