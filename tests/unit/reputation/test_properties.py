"""Properties of the reputation model that must hold for any counters whatsoever."""

from __future__ import annotations

import dataclasses
import math
import re

from hypothesis import given
from hypothesis import strategies as st

from pepper.reputation import (
    DEFAULT_PARAMS,
    Counters,
    Evidence,
    contribution,
    decay_factor,
    decayed,
    report_weight,
    score_reputation,
)

NOW = 1_764_000_000.0
DAY = 86_400.0
HALF_LIFE = DEFAULT_PARAMS.half_life_days
# Float rounding may wobble a score by an ulp or so; monotonicity is checked up to this.
TOLERANCE = 1e-12

weights = st.one_of(
    st.floats(min_value=0.0, max_value=1e4),
    st.floats(min_value=0.0, allow_nan=False),  # up to huge and infinite
)
counts = st.integers(min_value=0, max_value=10**7)
epochs = st.floats(min_value=NOW - 20 * 365 * DAY, max_value=NOW + 365 * DAY)
counters = st.builds(
    Counters,
    spam_w=weights,
    ham_w=weights,
    complaint_w=weights,
    spam_n=counts,
    ham_n=counts,
    complaint_n=counts,
    ref_epoch=epochs,
)
range_keys = st.sampled_from(["+1:415555", "+1:4155550", "+44:207946", "+14155550123"])
evidence = st.builds(
    Evidence,
    number=counters,
    ranges=st.lists(st.tuples(range_keys, counters), max_size=3).map(tuple),
    categories=st.dictionaries(st.sampled_from(["scam", "debt", "survey"]), counts),
)
SPAM_SIDE = ("spam_w", "complaint_w")


def p_spam(e: Evidence) -> float:
    return score_reputation(e, NOW).p_spam


def plus(c: Counters, field: str, extra: float) -> Counters:
    """`c` with `extra` more weight in `field` ("spam_w", "ham_w" or "complaint_w")."""
    changed: float = getattr(c, field) + extra
    return dataclasses.replace(c, **{field: changed})  # type: ignore[arg-type]


def with_number(e: Evidence, field: str, extra: float) -> Evidence:
    assert e.number is not None
    return dataclasses.replace(e, number=plus(e.number, field, extra))


def with_range(e: Evidence, i: int, field: str, extra: float) -> Evidence:
    ranges = list(e.ranges)
    key, row = ranges[i]
    ranges[i] = (key, plus(row, field, extra))
    return dataclasses.replace(e, ranges=tuple(ranges))


@given(evidence)
def test_the_score_is_a_probability_strictly_between_zero_and_one(e: Evidence) -> None:
    s = score_reputation(e, NOW)
    assert 0.0 < s.p_spam < 1.0
    assert 1 <= len(s.reasons) <= 3


@given(evidence, st.sampled_from(SPAM_SIDE), weights)
def test_more_spam_evidence_on_the_number_never_lowers_the_score(
    e: Evidence, field: str, extra: float
) -> None:
    more = with_number(e, field, extra)
    assert p_spam(more) >= p_spam(e) - TOLERANCE


@given(evidence, weights)
def test_more_not_spam_evidence_on_the_number_never_raises_the_score(
    e: Evidence, extra: float
) -> None:
    more = with_number(e, "ham_w", extra)
    assert p_spam(more) <= p_spam(e) + TOLERANCE


@given(evidence, st.sampled_from(SPAM_SIDE), weights, st.integers(min_value=0, max_value=2))
def test_more_spam_evidence_in_a_range_never_lowers_the_score(
    e: Evidence, field: str, extra: float, i: int
) -> None:
    if i < len(e.ranges):
        more = with_range(e, i, field, extra)
        assert p_spam(more) >= p_spam(e) - TOLERANCE


@given(evidence, weights, st.integers(min_value=0, max_value=2))
def test_more_not_spam_evidence_in_a_range_never_raises_the_score(
    e: Evidence, extra: float, i: int
) -> None:
    if i < len(e.ranges):
        more = with_range(e, i, "ham_w", extra)
        assert p_spam(more) <= p_spam(e) + TOLERANCE


@given(evidence)
def test_reasons_never_show_the_callers_number(e: Evidence) -> None:
    caller = "14155550123"
    for reason in score_reputation(e, NOW).reasons:
        for run in re.findall(r"\d{7,}", reason.detail):
            assert run not in caller
        # Separators aside, at most the 7-digit block prefix ("415-555-0") is ever shown.
        shown = re.sub(r"\D", "", reason.detail)
        assert not any(caller[i : i + 8] in shown for i in range(len(caller) - 7))


@given(st.floats(allow_nan=False), st.floats(allow_nan=False))
def test_decay_stays_between_zero_and_one_whatever_the_clocks_say(ref: float, now: float) -> None:
    assert 0.0 <= decay_factor(ref, now, HALF_LIFE) <= 1.0


@given(counters, st.floats(min_value=0.0, max_value=3650.0))
def test_decaying_never_adds_weight_and_keeps_the_counts(c: Counters, days: float) -> None:
    aged = dataclasses.replace(c, ref_epoch=NOW - days * DAY)
    now = decayed(aged, NOW, HALF_LIFE)
    for name in ("spam_w", "ham_w", "complaint_w"):
        assert getattr(now, name) <= getattr(aged, name)
    assert (now.spam_n, now.ham_n, now.complaint_n) == (c.spam_n, c.ham_n, c.complaint_n)
    assert now.ref_epoch == NOW


@given(evidence)
def test_scoring_old_counters_is_scoring_them_decayed_to_now(e: Evidence) -> None:
    assert e.number is not None
    now = dataclasses.replace(
        e,
        number=decayed(e.number, NOW, HALF_LIFE),
        ranges=tuple((key, decayed(row, NOW, HALF_LIFE)) for key, row in e.ranges),
    )
    assert math.isclose(p_spam(now), p_spam(e), rel_tol=1e-9, abs_tol=1e-12)


@given(
    st.floats(min_value=0.0, max_value=1e6),
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.0, max_value=400.0),
    st.floats(min_value=0.0, max_value=400.0),
)
def test_a_withdrawn_report_leaves_the_counter_as_it_was(
    before: float, weight: float, reported_days_ago: float, later_days: float
) -> None:
    reported_at = NOW - reported_days_ago * DAY
    now = reported_at + later_days * DAY
    start = Counters(spam_w=before, ref_epoch=reported_at)
    grown = dataclasses.replace(start, spam_w=start.spam_w + weight)
    withdrawn = decayed(grown, now, HALF_LIFE).spam_w - contribution(
        weight, reported_at, now, HALF_LIFE
    )
    assert math.isclose(
        withdrawn, decayed(start, now, HALF_LIFE).spam_w, rel_tol=1e-9, abs_tol=1e-9
    )


@given(
    st.floats(allow_nan=True),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(min_value=0.0, max_value=1e6),
)
def test_report_weights_stay_in_zero_one_and_grow_with_device_age(
    age: float, recent: int, older_by: float
) -> None:
    w = report_weight(device_age_days=age, reports_last_24h=recent)
    assert 0.0 <= w <= 1.0
    if not math.isnan(age):
        older = report_weight(device_age_days=age + older_by, reports_last_24h=recent)
        assert older >= w
    busier = report_weight(device_age_days=age, reports_last_24h=recent + 1)
    assert busier <= w
