"""``GET /v1/numbers/{number}``: what we know of a caller, for showing caller ID."""

from __future__ import annotations

import time
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy.exc import SQLAlchemyError

from pepper.db.outage import unavailable
from pepper.http.auth import authenticate_device, current_device
from pepper.metrics import DEGRADED_ANSWERS
from pepper.numbers import NormalizedNumber, normalize
from pepper.reputation import bucket
from pepper.runtime import runtime
from pepper.screening.cache import NumberView
from pepper.screening.lookup import read_number
from pepper.screening.policy import label_for
from pepper.screening.types import Action, CallFacts, Sensitivity
from pepper.screening.views import screener
from pepper.standby.http import database_failed, database_usable
from pepper.tally import tally

blp = Blueprint("numbers", __name__, url_prefix="/v1/numbers", description="Caller lookup")
blp.before_request(authenticate_device)


class CountsOut(Schema):
    complaints = fields.String(required=True)
    spam_reports = fields.String(required=True)
    not_spam_reports = fields.String(required=True)


class LookupOut(Schema):
    e164 = fields.String(allow_none=True, required=True)
    region = fields.String(allow_none=True, required=True)
    number_type = fields.String(required=True)
    valid = fields.Boolean(required=True)
    withheld = fields.Boolean(required=True)
    emergency_or_service = fields.Boolean(required=True)
    score = fields.Float(allow_none=True, required=True)
    label = fields.String(allow_none=True, required=True)
    category = fields.String(allow_none=True, required=True)
    counts = fields.Nested(CountsOut, required=True, metadata={"description": "bucketed"})
    degraded = fields.Boolean(
        required=True,
        metadata={
            "description": "answered without the database, from what this server knew"
            " (reputation may be missing or a few seconds old)"
        },
    )


@blp.get("/<path:number>")
@blp.response(200, LookupOut)
@blp.doc(security=[{"device": []}])
def lookup(number: str) -> dict[str, Any]:
    """Normalized form, type, label and bucketed report counts (never exact counts)."""
    device = current_device()
    parsed = normalize(number, device.default_region)
    body: dict[str, Any] = {
        "e164": parsed.e164,
        "region": parsed.region,
        "number_type": parsed.number_type.value,
        "valid": parsed.is_valid,
        "withheld": parsed.withheld,
        "emergency_or_service": parsed.never_block,
        "score": None,
        "label": None,
        "category": None,
        "counts": {"complaints": "0", "spam_reports": "0", "not_spam_reports": "0"},
        "degraded": False,
    }
    if parsed.e164 is None or parsed.never_block:
        return body
    found = _read(parsed)
    if found is None:
        # Without the database: what this process's decisions last read of the caller.
        body["degraded"] = True
        tally.inc(DEGRADED_ANSWERS, "lookup")
        found = screener().cache.number(parsed.e164)
        if found is None:
            return body
    evidence = found.evidence
    s = screener()
    score = s.scorer.score(CallFacts(number=parsed), evidence, time.time(), found.pattern)
    thresholds = s.policy.thresholds[Sensitivity(device.sensitivity)]
    action = (
        Action.BLOCK
        if score.p_spam >= thresholds.block
        else Action.SILENCE
        if score.p_spam >= thresholds.silence
        else Action.ALLOW
    )
    known = evidence.number
    body.update(
        score=round(score.p_spam, 4),
        label=label_for(score.category, action),
        category=score.category if action is not Action.ALLOW else None,
        counts={
            "complaints": bucket(known.complaint_n if known else 0),
            "spam_reports": bucket(known.spam_n if known else 0),
            "not_spam_reports": bucket(known.ham_n if known else 0),
        },
    )
    return body


def _read(number: NormalizedNumber) -> NumberView | None:
    """The same read of the caller as the call decision's (labels, counters, call
    pattern); None when the database cannot answer now."""
    if not database_usable():
        return None
    try:
        with runtime().engine.connect() as connection:
            return read_number(connection, number)
    except SQLAlchemyError as error:
        if not unavailable(error):
            raise
        database_failed()
        return None
