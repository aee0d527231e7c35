"""The call routes, answered before Flask's request machinery.

A ringing call waits on ``POST /v1/screen`` and ``POST /twilio/voice``. Through Flask,
flask-smorest and webargs, the work around those two routes (request contexts, sessions,
hooks, argument parsing, the extensions' middleware, Sentry's per-request scope and
event processor) cost more CPU than the decision itself (BENCHMARKS.md). So they are
plain WSGI handlers on werkzeug's ``Request`` and ``Response``, dispatched by path before
Flask sees the request, with everything else the same: the same settings and domain
services, the same problem shape (``problems.classify``), request id, metrics, body
limit and proxy trust. Flask serves every other route.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sentry_sdk
from flask import Flask
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed
from werkzeug.wrappers import Request, Response

from pepper.http import observe
from pepper.http.access_log import ROUTE_KEY
from pepper.http.problems import PROBLEM_MIME, Problem, classify, http_problem

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

Handler = Callable[[Request], Response]


@dataclass(frozen=True, slots=True)
class DirectRoute:
    rule: str  # the path, and the route label in the metrics
    methods: frozenset[str]
    handler: Handler


def json_response(body: Any, status: int = 200, mimetype: str = "application/json") -> Response:
    # The shape Flask's jsonify writes (compact, sorted keys), so both stacks answer alike.
    text = json.dumps(body, separators=(",", ":"), sort_keys=True) + "\n"
    return Response(text, status=status, mimetype=mimetype)


def problem_response(found: Problem, headers: Iterable[tuple[str, str]] = ()) -> Response:
    response = json_response(found.body(), found.status, PROBLEM_MIME)
    if found.retry:
        response.headers["Retry-After"] = "1"
    for name, value in headers:
        response.headers[name] = value
    return response


class PepperFlask(Flask):
    """Flask, with the direct call routes dispatched before its own machinery.

    Overriding ``__call__`` (not ``wsgi_app``) also keeps these routes out of the
    WSGI middleware that sentry-sdk's Flask integration patches into ``Flask.__call__``;
    their failures still reach Sentry through the logging integration, in a scope of
    their own.
    """

    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self.direct_routes: dict[str, DirectRoute] = {}
        # Wrapped by ProxyFix in the app factory, like wsgi_app.
        self.direct_app: WSGIApplication = self._serve_direct

    def add_direct_route(self, rule: str, methods: Iterable[str], handler: Handler) -> None:
        self.direct_routes[rule] = DirectRoute(rule, frozenset(methods), handler)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in self.direct_routes:
            return self.direct_app(environ, start_response)
        return super().__call__(environ, start_response)

    def _serve_direct(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        route = self.direct_routes[environ["PATH_INFO"]]
        environ[ROUTE_KEY] = route.rule  # for the access log
        request = Request(environ)
        request.max_content_length = self.config["MAX_CONTENT_LENGTH"]
        request.max_form_memory_size = self.config["MAX_FORM_MEMORY_SIZE"]
        request_id, token = observe.bind_request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        try:
            # A scope per request, so that breadcrumbs never travel between requests.
            with sentry_sdk.isolation_scope() as scope:
                scope.set_transaction_name(route.rule)
                response = _answer(route, request)
        finally:
            observe.unbind_request_id(token)
        response.headers["X-Request-ID"] = request_id
        observe.record(
            route.rule, request.method, response.status_code, time.perf_counter() - started
        )
        return response(environ, start_response)


def _answer(route: DirectRoute, request: Request) -> Response:
    try:
        if request.method not in route.methods:
            raise MethodNotAllowed(valid_methods=sorted(route.methods))
        return route.handler(request)
    except HTTPException as error:
        return problem_response(*http_problem(error))
    except Exception as error:
        found = classify(error)
        if found is not None:
            return problem_response(found)
        # The message of an unexpected error may carry anything (numbers included):
        # it goes to the log and Sentry, never to the client.
        log.exception("unhandled error")
        return problem_response(*http_problem(InternalServerError()))
