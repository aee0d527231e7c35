"""``POST /v1/screen``: should this call ring? Answered well inside Android's 5 s.

A direct route (pepper.http.direct): a ringing call must not pay for Flask's
per-request machinery. It is documented in the OpenAPI document like every route.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from flask import current_app
from flask_smorest import Api
from marshmallow import ValidationError
from werkzeug.exceptions import BadRequest, HTTPException, TooManyRequests, UnprocessableEntity
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from pepper.http.auth import bearer_of, fingerprint
from pepper.http.direct import json_response, problem_response
from pepper.http.limits import DirectLimit
from pepper.http.problems import http_problem
from pepper.screening.schemas import DecisionOut, ScreenIn
from pepper.screening.service import CallRequest, Outcome, Screener

SCREENER_KEY = "pepper.screener"
RULE = "/v1/screen"


def screener() -> Screener:
    value = current_app.extensions[SCREENER_KEY]
    assert isinstance(value, Screener)
    return value


class ScreenRoute:
    """Decide on a ringing call. Any failure inside degrades to allow (reason degraded).

    In the order a client sees: 401 without a token, 429 over the token's limit, 400 or
    422 for a body that is not a call, 401 for a token the database does not know.
    """

    def __init__(self, screener: Screener, limit: DirectLimit) -> None:
        self.screener = screener
        self.limit = limit
        # One instance: building a schema per call would cost more than loading with it.
        self.schema = ScreenIn()

    def __call__(self, request: Request) -> Response:
        token = bearer_of(request.headers.get("Authorization", ""))
        refused = self.limit.admit(f"t:{fingerprint(token)}")
        if refused is not None:
            found, headers = http_problem(TooManyRequests(f"{refused.item} per client"))
            return problem_response(found, [*headers, *refused.headers().items()])
        body = self._arguments(request)
        outcome = self.screener.screen(token, CallRequest(**body))
        return json_response(render(outcome))

    def _arguments(self, request: Request) -> dict[str, Any]:
        raw = request.get_data(cache=False)  # 413 past MAX_CONTENT_LENGTH
        data: Any = {}
        if request.is_json:
            try:
                data = json.loads(raw)
            except ValueError:
                raise _invalid(BadRequest(), ["Invalid JSON body."]) from None
        try:
            loaded: dict[str, Any] = self.schema.load(data)
        except ValidationError as error:
            raise _invalid(UnprocessableEntity(), error.messages) from None
        return loaded


def _invalid(error: HTTPException, messages: Any) -> HTTPException:
    # The shape webargs gives the Flask routes' validation errors: errors.json.<field>.
    error.data = {"messages": {"json": messages}}  # type: ignore[attr-defined]
    return error


def render(outcome: Outcome) -> dict[str, Any]:
    d = outcome.decision
    return {
        "action": d.action.value,
        "label": d.label,
        "category": d.category,
        "score": round(d.score, 4),
        "reasons": [{"code": r.code, "detail": r.detail} for r in d.reasons],
        "decision_id": outcome.decision_id,
        "model_version": d.model_version,
        "cache_ttl_s": outcome.cache_ttl_s,
        "degraded": outcome.degraded,
        "android": asdict(d.android),
    }


def document(api: Api) -> None:
    """The route in the OpenAPI document, with the schemas that validate and describe it
    (a contract test holds ``render`` to ``DecisionOut``)."""
    api.spec.tag({"name": "screening", "description": "Call screening"})
    api.spec.path(
        rule=Rule(RULE),  # flask-smorest's path helper reads the path from a rule
        operations={
            "post": {
                "tags": ["screening"],
                "summary": ScreenRoute.__doc__.splitlines()[0] if ScreenRoute.__doc__ else "",
                "security": [{"device": []}],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ScreenIn}},
                },
                "responses": {
                    "200": {
                        "description": "The decision",
                        "content": {"application/json": {"schema": DecisionOut}},
                    },
                    "422": {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"},
                    "default": {"$ref": "#/components/responses/DEFAULT_ERROR"},
                },
            }
        },
    )
