"""``POST /v1/screen``: should this call ring? Answered well inside Android's 5 s."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Response, current_app, jsonify
from flask_smorest import Blueprint

from pepper.http.auth import bearer_token, require_bearer
from pepper.screening.schemas import DecisionOut, ScreenIn
from pepper.screening.service import CallRequest, Outcome, Screener

blp = Blueprint("screening", __name__, url_prefix="/v1", description="Call screening")
blp.before_request(require_bearer)
SCREENER_KEY = "pepper.screener"


def screener() -> Screener:
    value = current_app.extensions[SCREENER_KEY]
    assert isinstance(value, Screener)
    return value


@blp.post("/screen")
# An instance, not the class: webargs would build a new schema on every call decision.
@blp.arguments(ScreenIn())
# Documented, not dumped through marshmallow: render() builds exactly this shape, and
# the dump cost more than the decision itself (a contract test holds render to it).
@blp.alt_response(200, schema=DecisionOut, success=True, description="The decision")
@blp.doc(security=[{"device": []}])
def screen(body: dict[str, Any]) -> Response:
    """Decide on a ringing call. Any failure inside degrades to allow (reason degraded)."""
    outcome = screener().screen(bearer_token(), CallRequest(**body))
    return jsonify(render(outcome))


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
