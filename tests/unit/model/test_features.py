"""extract() and describe(): the one feature extractor of training and serving."""

from __future__ import annotations

import dataclasses
import math
import re
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pepper.model import features
from pepper.model.features import (
    FEATURE_NAMES,
    CallerPattern,
    FeatureInputs,
    describe,
    extract,
)
from pepper.numbers import NormalizedNumber, normalize
from pepper.reputation import Counters, Evidence
from pepper.screening.types import Attestation

NOW = 1_764_000_000.0  # 2025-11-24
DAY = 86_400.0
NUMBER = normalize("+14155550123")
EXCHANGE, BLOCK = "+1:415555", "+1:4155550"
INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}
GROUPS = {
    "age_missing": ("age_log_days",),
    "number_missing": (
        "number_spam_log",
        "number_not_spam_log",
        "number_complaints_log",
        "number_reports_log",
    ),
    "range_missing": (
        "range_spam_log",
        "range_not_spam_log",
        "range_complaints_log",
        "range_reports_log",
    ),
    "pattern_missing": (
        "pattern_calls_log",
        "pattern_callees_log",
        "pattern_calls_per_hour_log",
        "pattern_challenge_pass_share",
        "pattern_challenge_fail_share",
    ),
    "pattern_outcomes_missing": ("pattern_short_share", "pattern_answer_share"),
    "time_missing": ("hour_sin", "hour_cos", "weekend"),
}


def row(spam: float = 0.0, ham: float = 0.0, complaints: float = 0.0, ref: float = NOW) -> Counters:
    return Counters(
        spam_w=spam,
        ham_w=ham,
        complaint_w=complaints,
        spam_n=round(spam),
        ham_n=round(ham),
        complaint_n=round(complaints),
        ref_epoch=ref,
    )


PATTERN = CallerPattern(
    calls=40,
    subscribers=35,
    finished=38,
    answered=8,
    short_calls=6,
    challenge_passed=1,
    challenge_failed=9,
    first_epoch=NOW - 7_200.0,
    last_epoch=NOW - 60.0,
)
EVIDENCE = Evidence(
    number=row(spam=2, complaints=3),
    ranges=((EXCHANGE, row(spam=10, complaints=30)), (BLOCK, row(spam=4, complaints=8))),
)


def inputs(**changes: object) -> FeatureInputs:
    base = FeatureInputs(
        number=NUMBER,
        evidence=EVIDENCE,
        pattern=PATTERN,
        attestation=Attestation.C,
        call_time=datetime(2025, 11, 24, 18, 30, tzinfo=UTC),
        now_epoch=NOW,
        first_seen_epoch=NOW - 3 * DAY,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def values(x: FeatureInputs) -> dict[str, float]:
    return dict(zip(FEATURE_NAMES, extract(x), strict=True))


def assert_missing(v: dict[str, float], indicator: str) -> None:
    assert v[indicator] == 1.0
    assert all(v[name] == 0.0 for name in GROUPS[indicator]), indicator


def assert_present(v: dict[str, float], indicator: str) -> None:
    assert v[indicator] == 0.0


# --- shape --------------------------------------------------------------------------


def test_feature_names_are_unique_documented_and_within_the_planned_size() -> None:
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert 20 <= len(FEATURE_NAMES) <= 40
    doc = features.__doc__ or ""
    assert all(name in doc for name in FEATURE_NAMES)


def test_a_full_call_has_every_group_present() -> None:
    v = values(inputs())
    for indicator in GROUPS:
        assert_present(v, indicator)
    assert v["type_fixed_or_mobile"] == 1.0
    assert v["country_nanp"] == 1.0
    assert v["number_valid"] == 1.0
    assert v["att_c"] == 1.0


raw_numbers = st.sampled_from(
    [
        "+14155550123",
        "+18005550199",
        "+447400123456",
        "+22222123456",
        "+19005550123",  # premium rate
        "+445612345678",  # VoIP
        "+442079460000",  # fixed line
        "+80012345678",  # international freephone
        "+1415555",  # impossible
        "+882123456789",  # possible, not valid
        "12345",
        "911",
        "611",
        "33669",
        "anonymous",
        "restricted",
        "+266696687",
    ]
).map(normalize)
weights = st.one_of(
    st.floats(min_value=0, max_value=1e4), st.floats(allow_nan=True, allow_infinity=True)
)
counts = st.integers(min_value=-(10**3), max_value=10**400)
epochs = st.one_of(st.floats(min_value=NOW - 5e8, max_value=NOW + 5e8), st.floats(allow_nan=True))
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
evidence = st.builds(
    Evidence,
    number=st.none() | counters,
    ranges=st.lists(st.tuples(st.sampled_from([EXCHANGE, BLOCK]), counters), max_size=3).map(tuple),
)
patterns = st.none() | st.builds(
    CallerPattern,
    calls=counts,
    subscribers=counts,
    finished=counts,
    answered=counts,
    short_calls=counts,
    challenge_passed=counts,
    challenge_failed=counts,
    first_epoch=epochs,
    last_epoch=epochs,
)
call_times = st.none() | st.datetimes(
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-8)), timezone(timedelta(hours=14))])
    | st.none()
)


@settings(max_examples=400, deadline=None)
@given(
    number=raw_numbers,
    ev=evidence,
    pattern=patterns,
    attestation=st.sampled_from(list(Attestation)),
    call_time=call_times,
    now=st.floats(min_value=0, max_value=4e9),
    first_seen=st.none() | epochs,
    half_life=st.floats(min_value=1e-3, max_value=1e4),
)
def test_extract_returns_one_finite_float_per_feature_for_any_input(
    number: NormalizedNumber,
    ev: Evidence,
    pattern: CallerPattern | None,
    attestation: Attestation,
    call_time: datetime | None,
    now: float,
    first_seen: float | None,
    half_life: float,
) -> None:
    x = FeatureInputs(number, ev, pattern, attestation, call_time, now, first_seen, half_life)
    row_ = extract(x)
    assert len(row_) == len(FEATURE_NAMES)
    assert all(type(v) is float and math.isfinite(v) for v in row_)
    v = dict(zip(FEATURE_NAMES, row_, strict=True))
    for indicator, members in GROUPS.items():
        assert v[indicator] in (0.0, 1.0)
        if v[indicator] == 1.0:
            assert all(v[m] == 0.0 for m in members), indicator
    type_hot = [v[n] for n in FEATURE_NAMES if n.startswith("type_")]
    assert sorted(type_hot) == [0.0] * (len(type_hot) - 1) + [1.0]
    assert sum(v[n] for n in FEATURE_NAMES if n.startswith("att_")) == 1.0


@pytest.mark.parametrize("raw", ["anonymous", "+266696687", "911", "112", "611", "33669"])
def test_withheld_emergency_and_short_numbers_have_every_lookup_group_missing(raw: str) -> None:
    # Even if storage handed over rows for them, they are not lines with a reputation.
    v = values(inputs(number=normalize(raw)))
    for indicator in ("age_missing", "number_missing", "range_missing", "pattern_missing"):
        assert_missing(v, indicator)
    assert_missing(v, "pattern_outcomes_missing")
    assert v["type_other"] == 1.0
    assert v["country_nanp"] == 0.0
    assert v["number_valid"] == 0.0


# --- missing signals ------------------------------------------------------------------


def test_a_number_without_evidence_is_marked_missing_and_its_values_are_zero() -> None:
    v = values(inputs(evidence=Evidence(number=None, ranges=())))
    assert_missing(v, "number_missing")
    assert_missing(v, "range_missing")


def test_a_number_with_range_rows_only_has_its_own_group_missing() -> None:
    v = values(inputs(evidence=dataclasses.replace(EVIDENCE, number=None)))
    assert_missing(v, "number_missing")
    assert_present(v, "range_missing")
    assert v["range_complaints_log"] == pytest.approx(math.log1p(30))


def test_a_number_never_seen_has_its_age_missing() -> None:
    assert_missing(values(inputs(first_seen_epoch=None)), "age_missing")
    v = values(inputs(first_seen_epoch=NOW - 9 * DAY))
    assert v["age_log_days"] == pytest.approx(math.log1p(9))


def test_a_first_sighting_after_now_counts_as_a_brand_new_number() -> None:
    v = values(inputs(first_seen_epoch=NOW + DAY))  # clock skew between hosts
    assert_present(v, "age_missing")
    assert v["age_log_days"] == 0.0


def test_no_carrier_pattern_marks_the_whole_pattern_group_missing() -> None:
    v = values(inputs(pattern=None))
    assert_missing(v, "pattern_missing")
    assert_missing(v, "pattern_outcomes_missing")


def test_a_pattern_without_finished_calls_has_its_shares_missing_not_zero() -> None:
    v = values(inputs(pattern=dataclasses.replace(PATTERN, finished=0, answered=0, short_calls=0)))
    assert_present(v, "pattern_missing")
    assert_missing(v, "pattern_outcomes_missing")
    assert v["pattern_calls_log"] == pytest.approx(math.log1p(40))


def test_a_pattern_with_finished_calls_gives_shares_of_them() -> None:
    v = values(inputs())
    assert_present(v, "pattern_outcomes_missing")
    assert v["pattern_short_share"] == pytest.approx(6 / 38)
    assert v["pattern_answer_share"] == pytest.approx(8 / 38)
    assert v["pattern_challenge_pass_share"] == pytest.approx(1 / 40)
    assert v["pattern_challenge_fail_share"] == pytest.approx(9 / 40)
    assert v["pattern_callees_log"] == pytest.approx(math.log1p(35))
    # 40 calls over the two hours between the first and last: 20 an hour.
    assert v["pattern_calls_per_hour_log"] == pytest.approx(math.log1p(40 / (7_140 / 3_600)))


def test_a_burst_of_calls_within_seconds_counts_over_one_hour() -> None:
    burst = dataclasses.replace(PATTERN, first_epoch=NOW - 5.0, last_epoch=NOW)
    assert values(inputs(pattern=burst))["pattern_calls_per_hour_log"] == pytest.approx(
        math.log1p(40)
    )


def test_no_call_time_or_a_naive_one_is_missing() -> None:
    assert_missing(values(inputs(call_time=None)), "time_missing")
    assert_missing(values(inputs(call_time=datetime(2025, 11, 24, 18, 30))), "time_missing")


def test_call_time_is_read_in_utc() -> None:
    # Saturday 06:00 UTC, given as Friday 22:00 in UTC-8.
    v = values(
        inputs(call_time=datetime(2025, 11, 21, 22, 0, tzinfo=timezone(timedelta(hours=-8))))
    )
    assert v["hour_sin"] == pytest.approx(1.0)
    assert v["hour_cos"] == pytest.approx(0.0, abs=1e-12)
    assert v["weekend"] == 1.0
    v = values(inputs(call_time=datetime(2025, 11, 24, 0, 0, tzinfo=UTC)))  # Monday midnight
    assert (v["hour_sin"], v["hour_cos"], v["weekend"]) == pytest.approx((0.0, 1.0, 0.0))


@pytest.mark.parametrize(
    ("attestation", "hot"),
    [
        (Attestation.A, "att_a"),
        (Attestation.B, "att_b"),
        (Attestation.C, "att_c"),
        (Attestation.PASSED, "att_passed"),
        (Attestation.FAILED, "att_failed"),
        (Attestation.NOT_VERIFIED, "att_none"),
        (Attestation.ABSENT, "att_none"),
    ],
)
def test_attestation_is_one_hot(attestation: Attestation, hot: str) -> None:
    v = values(inputs(attestation=attestation))
    assert [n for n in FEATURE_NAMES if n.startswith("att_") and v[n] == 1.0] == [hot]


# --- reputation ---------------------------------------------------------------------


def test_the_same_counters_observed_later_give_smaller_reputation_features() -> None:
    weights = ("spam_log", "not_spam_log", "complaints_log")
    names = [f"{level}_{w}" for level in ("number", "range") for w in weights]
    ev = Evidence(number=row(2, 1, 3), ranges=((EXCHANGE, row(12, 4, 33)),))
    now = values(inputs(evidence=ev))
    later = values(inputs(evidence=ev, now_epoch=NOW + 90 * DAY))
    for name in names:
        assert 0 < later[name] < now[name], name
    # One half-life later every weight is halved; counts of reports do not decay.
    assert later["number_spam_log"] == pytest.approx(math.log1p(1.0))
    assert later["number_reports_log"] == now["number_reports_log"]


def test_clock_skew_never_inflates_reputation() -> None:
    earlier = values(inputs(now_epoch=NOW - 30 * DAY))
    assert earlier["number_spam_log"] == pytest.approx(math.log1p(2))


def test_range_features_count_the_neighbours_only() -> None:
    # The range rows include the number's own 2 spam reports and 3 complaints.
    v = values(inputs(evidence=Evidence(number=row(2, 0, 3), ranges=((EXCHANGE, row(2, 0, 3)),))))
    assert_present(v, "range_missing")
    assert [v[n] for n in GROUPS["range_missing"]] == [0.0, 0.0, 0.0, 0.0]
    v = values(inputs(evidence=Evidence(number=row(2, 0, 3), ranges=((EXCHANGE, row(5, 1, 13)),))))
    assert v["range_spam_log"] == pytest.approx(math.log1p(3))
    assert v["range_not_spam_log"] == pytest.approx(math.log1p(1))
    assert v["range_complaints_log"] == pytest.approx(math.log1p(10))
    assert v["range_reports_log"] == pytest.approx(math.log1p(14))


def test_the_range_reputation_would_lean_on_is_the_one_described() -> None:
    # 9 complaints in the exchange weigh 9 * 1/2 * 1/6 = 0.75; 4 in the ten times smaller
    # thousands-block weigh 4 * 1/2 * 1/2 = 1: the block is the more telling range.
    ranges = ((EXCHANGE, row(complaints=9)), (BLOCK, row(complaints=4)))
    v = values(inputs(evidence=Evidence(number=None, ranges=ranges)))
    assert v["range_complaints_log"] == pytest.approx(math.log1p(4))
    ranges = ((EXCHANGE, row(complaints=30)), (BLOCK, row(complaints=4)))
    v = values(inputs(evidence=Evidence(number=None, ranges=ranges)))
    assert v["range_complaints_log"] == pytest.approx(math.log1p(30))


def test_a_non_positive_half_life_is_refused() -> None:
    with pytest.raises(ValueError, match="half_life_days"):
        inputs(half_life_days=0.0)


# --- describe() -----------------------------------------------------------------------

DESCRIBE_VALUES = (0.0, 0.2, 0.5, 1.0, math.log1p(3), math.log1p(12), 7.5, 40.0, -1.0, math.nan)


@pytest.mark.parametrize("raw", ["+14155550123", "+12125559876", "+447400123456", "911"])
def test_describe_never_contains_the_callers_digits(raw: str) -> None:
    number = normalize(raw)
    digits = (number.national_number or "").lstrip("0")
    for name, value in zip(FEATURE_NAMES, extract(inputs(number=number)), strict=True):
        for v in (value, *DESCRIBE_VALUES):
            text = describe(name, v)
            assert text, name
            assert digits not in re.sub(r"\D", "", text), (name, text)
            # No run of 4 digits or more: nothing that could be part of a phone number.
            assert not re.search(r"\d{4}", text), (name, text)


def test_describe_shows_counts_in_buckets() -> None:
    assert describe("range_complaints_log", math.log1p(12)) == (
        "5-19 recent complaints about numbers in this range"
    )
    assert describe("number_missing", 1.0) == "no reports or complaints about this number"
    assert describe("pattern_short_share", 0.83) == "80% of calls were hung up within seconds"


def test_describe_refuses_an_unknown_feature() -> None:
    with pytest.raises(ValueError, match="unknown feature"):
        describe("caller_digits", 1.0)


# --- speed ----------------------------------------------------------------------------


def test_extract_speed_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    """Not an assertion: a figure to watch (serving's budget is ~20 µs per call)."""
    full, bare = inputs(), inputs(evidence=Evidence(None, ()), pattern=None, call_time=None)
    rounds = 20_000
    for label, x in (("full", full), ("bare", bare)):
        start = time.perf_counter()
        for _ in range(rounds):
            extract(x)
        per_call = (time.perf_counter() - start) / rounds * 1e6
        with capsys.disabled():
            print(f"\nextract() {label} inputs: {per_call:.1f} µs/call")
