"""``render`` writes the decision by hand (no marshmallow dump on the hot path): it must
produce exactly what the documented ``DecisionOut`` schema would."""

from __future__ import annotations

import json

import pytest

from pepper.screening.policy import android_flags
from pepper.screening.schemas import DecisionOut
from pepper.screening.service import Outcome, degraded_decision
from pepper.screening.types import Action, Decision, Reason
from pepper.screening.views import render

DECISIONS = [
    degraded_decision("deadline"),
    Decision(
        action=Action.BLOCK,
        score=0.987654321,
        reasons=(Reason("reports", "reported as spam 5-19 times"), Reason("range", "x")),
        android=android_flags(Action.BLOCK),
        label="Scam Likely",
        category="fraud",
        model_version="m1",
        rung="score",
    ),
    Decision(Action.SILENCE, 0.5, (), android_flags(Action.SILENCE)),
]


@pytest.mark.parametrize("decision", DECISIONS, ids=["degraded", "block", "silence"])
def test_render_matches_the_documented_schema(decision: Decision) -> None:
    outcome = Outcome(
        decision, "d" * 32, decision.rung == "degraded", 0 if decision.rung == "degraded" else 300
    )
    body = render(outcome)
    assert DecisionOut().validate(body) == {}
    assert body == DecisionOut().dump(body)
    assert json.loads(json.dumps(body)) == body  # plain JSON types only
    assert body["android"]["disallow"] is (decision.action is Action.BLOCK)
