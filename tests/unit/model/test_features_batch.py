"""extract_many() is extract() on columns: row by row, the same 40 features."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pepper.model.features import FEATURE_NAMES, CallerPattern, FeatureInputs, extract
from pepper.model.features_batch import (
    NO_ATTESTATION,
    BatchInputs,
    CounterColumns,
    attestation_index,
    count_value,
    counter_columns,
    extract_many,
    no_call,
    pattern_columns,
    type_index,
)
from pepper.numbers import NormalizedNumber, normalize
from pepper.reputation import Counters, Evidence
from pepper.screening.types import Attestation

NOW = 1_764_000_000.0
SLOTS = 3  # range slots per row; absent slots between present ones shift nothing

numbers = st.sampled_from(
    [
        "+14155550123", "+18005550199", "+19005550123", "+447400123456", "+445612345678",
        "+442079460000", "+80012345678", "+1415555", "+882123456789", "+22222123456",
        "12345", "911", "611", "anonymous", "+266696687",
    ]
).map(normalize)  # fmt: skip
weights = st.one_of(st.just(0.0), st.floats(0, 1e4), st.floats(allow_nan=True, allow_infinity=True))
counts = st.integers(-(10**3), 10**15)
epochs = st.one_of(st.floats(NOW - 5e8, NOW + 5e8), st.floats(allow_nan=True))
counters = st.builds(
    Counters,
    spam_w=weights, ham_w=weights, complaint_w=weights,
    spam_n=counts, ham_n=counts, complaint_n=counts, ref_epoch=epochs,
)  # fmt: skip
patterns = st.none() | st.builds(
    CallerPattern,
    calls=counts, subscribers=counts, finished=counts, answered=counts, short_calls=counts,
    challenge_passed=counts, challenge_failed=counts, first_epoch=epochs, last_epoch=epochs,
)  # fmt: skip
call_times = st.none() | st.datetimes(
    min_value=datetime(1971, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-8)), None]),
)


@dataclass(frozen=True)
class Call:
    number: NormalizedNumber
    own: Counters | None
    ranges: list[Counters | None]  # SLOTS of them
    pattern: CallerPattern | None
    attestation: Attestation
    call_time: datetime | None
    first_seen: float | None


calls = st.builds(
    Call,
    number=numbers,
    own=st.none() | counters,
    ranges=st.lists(st.none() | counters, min_size=SLOTS, max_size=SLOTS),
    pattern=patterns,
    attestation=st.sampled_from(list(Attestation)),
    call_time=call_times,
    first_seen=st.none() | epochs,
)


def _counters(rows: list[Counters | None]) -> CounterColumns:
    return counter_columns(
        [r is not None for r in rows],
        [
            (r.spam_w, r.ham_w, r.complaint_w, count_value(r.spam_n + r.ham_n + r.complaint_n),
             r.ref_epoch) if r else (0.0,) * 5
            for r in rows
        ],
    )  # fmt: skip


def _pattern_row(p: CallerPattern | None) -> tuple[float, ...]:
    if p is None:
        return (0.0,) * 9
    ints = (p.calls, p.subscribers, p.finished, p.answered, p.short_calls)
    more = (p.challenge_passed, p.challenge_failed)
    return (*(count_value(x) for x in (*ints, *more)), p.first_epoch, p.last_epoch)


def _timestamp(t: datetime | None) -> float:
    return np.nan if t is None or t.utcoffset() is None else t.timestamp()


def as_batch(cases: list[Call], now: float, half_life: float) -> BatchInputs:
    nums = [c.number for c in cases]
    return BatchInputs(
        type_index=np.array([type_index(n.number_type) for n in nums]),
        nanp=np.array([n.country_code == 1 for n in nums]),
        valid=np.array([n.is_valid for n in nums]),
        identified=np.array(
            [not (n.withheld or n.short_code) and n.e164 is not None for n in nums]
        ),
        own=_counters([c.own for c in cases]),
        ranges=tuple(_counters([c.ranges[i] for c in cases]) for i in range(SLOTS)),
        pattern=pattern_columns(
            [c.pattern is not None for c in cases], [_pattern_row(c.pattern) for c in cases]
        ),
        attestation=np.array([attestation_index(c.attestation) for c in cases]),
        call_epoch=np.array([_timestamp(c.call_time) for c in cases]),
        first_seen=np.array([np.nan if c.first_seen is None else c.first_seen for c in cases]),
        now_epoch=now,
        half_life_days=half_life,
    )


def one_by_one(case: Call, now: float, half_life: float) -> list[float]:
    present = tuple(("+1:415555", r) for r in case.ranges if r is not None)
    return extract(
        FeatureInputs(
            number=case.number,
            evidence=Evidence(number=case.own, ranges=present),
            pattern=case.pattern,
            attestation=case.attestation,
            call_time=case.call_time,
            now_epoch=now,
            first_seen_epoch=case.first_seen,
            half_life_days=half_life,
        )
    )


@settings(max_examples=300, deadline=None)
@given(
    cases=st.lists(calls, min_size=1, max_size=12),
    now=st.floats(0, 4e9),
    half_life=st.sampled_from([90.0, 30.0, 0.5]),
)
def test_every_row_equals_extract_of_that_call(
    cases: list[Call], now: float, half_life: float
) -> None:
    got = extract_many(as_batch(cases, now, half_life))
    assert got.shape == (len(cases), len(FEATURE_NAMES))
    for i, case in enumerate(cases):
        expected = np.array(one_by_one(case, now, half_life))
        # Indicators and one-hots exactly; logs and trigonometry to numpy's rounding.
        np.testing.assert_allclose(got[i], expected, rtol=1e-12, atol=1e-12)
        flags = [j for j, name in enumerate(FEATURE_NAMES) if expected[j] in (0.0, 1.0)]
        assert (got[i, flags] == expected[flags]).all(), [FEATURE_NAMES[j] for j in flags]


def test_rows_of_realistic_evidence_equal_extract() -> None:
    """Seeded rather than shrunk: counters as the store holds them, many ranges present."""
    rng = np.random.default_rng(7)
    cases: list[Call] = []
    for _ in range(2000):
        spam = float(rng.exponential(5))

        def row(scale: float, spam: float = spam) -> Counters:
            return Counters(
                spam_w=spam * scale, ham_w=float(rng.exponential(1)),
                complaint_w=float(rng.exponential(3)) * scale,
                spam_n=int(spam * scale), ham_n=int(rng.integers(0, 3)),
                complaint_n=int(rng.integers(0, 9)),
                ref_epoch=NOW - float(rng.uniform(0, 200 * 86400)),
            )  # fmt: skip

        pattern = CallerPattern(
            calls=int(rng.integers(0, 500)), subscribers=int(rng.integers(0, 400)),
            finished=int(rng.integers(0, 400)), answered=int(rng.integers(0, 100)),
            short_calls=int(rng.integers(0, 300)), challenge_passed=int(rng.integers(0, 5)),
            challenge_failed=int(rng.integers(0, 50)), first_epoch=NOW - 86400.0,
            last_epoch=NOW - float(rng.uniform(0, 86400)),
        )  # fmt: skip
        cases.append(
            Call(
                number=normalize(f"+1{rng.integers(2012000000, 9899999999)}"),
                own=row(1.0) if rng.random() < 0.9 else None,
                ranges=[row(40.0) if rng.random() < 0.8 else None, row(6.0), None],
                pattern=pattern if rng.random() < 0.5 else None,
                attestation=Attestation.ABSENT,
                call_time=None,
                first_seen=NOW - 86400.0 if rng.random() < 0.5 else None,
            )
        )
    got = extract_many(as_batch(cases, NOW, 90.0))
    expected = np.array([one_by_one(c, NOW, 90.0) for c in cases])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_no_call_context_is_what_extract_sees_without_a_call() -> None:
    attestation, call_epoch = no_call(2)
    assert (attestation == NO_ATTESTATION).all()
    assert attestation_index(Attestation.NOT_VERIFIED) == NO_ATTESTATION
    assert np.isnan(call_epoch).all()


@pytest.mark.parametrize(
    ("n", "value"), [(0, 0.0), (-5, 0.0), (3, 3.0), (10**13, 1e12), (10**400, 1e12)]
)
def test_count_value_clamps_like_extract(n: int, value: float) -> None:
    assert count_value(n) == value
