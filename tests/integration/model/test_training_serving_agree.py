"""Training and serving compute the same features for the same call."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask
from sqlalchemy import text

import pepper.model.serving as serving
from pepper.model.features import FeatureInputs, extract
from pepper.model.simulate import simulate
from pepper.model.training import SIMULATION_START
from pepper.reputation.storage import COUNTER_COLUMNS, UPSERT_VALUES
from pepper.runtime import Runtime
from pepper.screening.service import CallRequest
from pepper.screening.views import screener
from tests.support.factories import register


def store(rt: Runtime, inputs: FeatureInputs) -> None:
    """Write a simulated call's evidence and call pattern where serving reads them."""
    e164 = inputs.number.e164
    assert e164 is not None
    rows = []
    if inputs.evidence.number is not None:
        rows.append((f"n:{e164}", inputs.evidence.number))
    rows += [(f"r:{key}", counters) for key, counters in inputs.evidence.ranges]
    with rt.engine.begin() as connection:
        for key, c in rows:
            values = dict(zip(COUNTER_COLUMNS, (key, c.spam_w, c.ham_w, c.complaint_w,
                          c.spam_n, c.ham_n, c.complaint_n, c.ref_epoch), strict=True))  # fmt: skip
            connection.execute(UPSERT_VALUES, {**values, "half_life": 90 * 86400})
        p = inputs.pattern
        if p is not None:
            connection.execute(
                text(
                    "INSERT INTO caller_stats VALUES (:caller, :calls, :subscribers, :finished,"
                    " :answered, :short, :passed, :failed, :first, :last)"
                ),
                {"caller": e164, "calls": p.calls, "subscribers": p.subscribers,
                 "finished": p.finished, "answered": p.answered, "short": p.short_calls,
                 "passed": p.challenge_passed, "failed": p.challenge_failed,
                 "first": p.first_epoch, "last": p.last_epoch},
            )  # fmt: skip


def test_a_call_read_back_from_the_database_gives_the_training_features(
    app: Flask, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = [c for c in simulate(3000, seed=11, start_epoch=SIMULATION_START) if c.inputs.pattern]
    call = next(c for c in calls if c.inputs.evidence.number or c.inputs.evidence.ranges)
    # Serving knows no category counts or number age other than the carrier pattern's.
    expected = replace(
        call.inputs,
        evidence=replace(call.inputs.evidence, categories={}),
        first_seen_epoch=call.inputs.pattern.first_epoch,  # type: ignore[union-attr]
    )
    store(runtime, expected)
    seen: list[FeatureInputs] = []

    def recording_extract(inputs: FeatureInputs) -> list[float]:
        seen.append(inputs)
        return extract(inputs)

    monkeypatch.setattr(serving, "extract", recording_extract)
    monkeypatch.setattr(serving.time, "time", lambda: expected.now_epoch)
    scorer = screener().scorer
    monkeypatch.setattr(scorer, "_loaded", serving.Loaded("test", _fake_model(), _zeros()))
    monkeypatch.setattr(scorer, "refresh", lambda: None)
    import pepper.screening.service as service

    monkeypatch.setattr(service.time, "time", lambda: expected.now_epoch)
    token = register(app.test_client())["Authorization"].split()[1]
    verstat = {"A": "TN-Validation-Passed-A", "B": "TN-Validation-Passed-B",
               "C": "TN-Validation-Passed-C", "failed": "TN-Validation-Failed-A"}  # fmt: skip
    request = CallRequest(
        number=expected.number.e164 or "",
        verstat=verstat.get(expected.attestation.value),
        call_time=expected.call_time,
    )
    screener().screen(token, request)
    assert len(seen) == 1
    served = replace(seen[0], half_life_days=expected.half_life_days)
    assert extract(served) == pytest.approx(extract(expected), rel=1e-9, abs=1e-9)


def _fake_model() -> serving.FastLogistic:
    from pepper.model.features import FEATURE_NAMES

    return serving.FastLogistic(FEATURE_NAMES, tuple(0.0 for _ in FEATURE_NAMES), 0.0)


def _zeros() -> tuple[float, ...]:
    from pepper.model.features import FEATURE_NAMES

    return tuple(0.0 for _ in FEATURE_NAMES)
