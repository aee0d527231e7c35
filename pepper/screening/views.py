"""``POST /v1/screen``: should this call ring? Answered well inside Android's 5 s."""

from __future__ import annotations

from typing import Any

from flask import current_app
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
@blp.arguments(ScreenIn)
@blp.response(200, DecisionOut)
@blp.doc(security=[{"device": []}])
def screen(body: dict[str, Any]) -> dict[str, Any]:
    """Decide on a ringing call. Any failure inside degrades to allow (reason degraded)."""
    outcome = screener().screen(bearer_token(), CallRequest(**body))
    return render(outcome)


def render(outcome: Outcome) -> dict[str, Any]:
    d = outcome.decision
    return {
        "action": d.action.value,
        "label": d.label,
        "category": d.category,
        "score": round(d.score, 4),
        "reasons": d.reasons,
        "decision_id": outcome.decision_id,
        "model_version": d.model_version,
        "cache_ttl_s": outcome.cache_ttl_s,
        "degraded": outcome.degraded,
        "android": d.android,
    }
