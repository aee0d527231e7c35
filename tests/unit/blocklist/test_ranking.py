"""A published number's model probability is the one a call from it would get."""

from __future__ import annotations

import math

import numpy as np

from pepper.blocklist.build import evidence_from_rows
from pepper.blocklist.ranking import inputs_for, probabilities
from pepper.model.fast import FastLogistic
from pepper.model.features import FEATURE_NAMES, CallerPattern, FeatureInputs, extract
from pepper.numbers import normalize
from pepper.reputation import Counters, Evidence
from pepper.screening.types import Attestation

NOW = 1_764_000_000.0
DAY = 86_400.0


def test_probabilities_equal_the_live_scorer_for_a_call_without_context() -> None:
    rng = np.random.default_rng(11)
    model = FastLogistic(
        FEATURE_NAMES, tuple(rng.normal(0, 1.5, len(FEATURE_NAMES)).tolist()), -0.5
    )
    numbers = [14155550100 + i for i in range(40)] + [442079460958, 18005550199]
    own = [
        (n, float(rng.exponential(3)), float(rng.exponential(1)), float(rng.exponential(2)),
         float(rng.integers(0, 9)), NOW - float(rng.uniform(0, 90)) * DAY,
         float(rng.integers(0, 20)))
        for n in numbers[::2]
    ]  # fmt: skip
    ranges = [
        (1415555, 90.0, 4.0, 30.0, 60.0, NOW - 3 * DAY, 80.0),
        (14155550, 20.0, 1.0, 9.0, 14.0, NOW - DAY, 25.0),
    ]
    callers = np.array(numbers[1::3], dtype=np.uint64)  # some with rows, some without
    patterns = np.column_stack(
        [rng.integers(0, 300, callers.size) for _ in range(7)]
        + [np.full(callers.size, NOW - 5 * DAY), np.full(callers.size, NOW - 60)]
    ).astype(np.float64)
    evidence = evidence_from_rows(own, ranges, {}, extra=callers)
    got = probabilities(model, inputs_for(evidence, callers, patterns, now=NOW, half_life_days=90))
    assert evidence.numbers.size == len(set(numbers[::2]) | set(numbers[1::3]))

    by_number = {r[0]: r for r in own}
    range_rows = {r[0]: r for r in ranges}
    at = {int(c): i for i, c in enumerate(callers.tolist())}
    for i, digits in enumerate(evidence.numbers.tolist()):
        number = normalize(f"+{digits}")

        def counters(row: tuple[float, ...] | None) -> Counters | None:
            if row is None:
                return None
            # events as spam_n: the sum is what the model reads.
            return Counters(row[1], row[2], row[3], int(row[6]), 0, 0, row[5])

        keys = (digits // 10_000, digits // 1_000) if number.country_code == 1 else ()
        live = Evidence(
            number=counters(by_number.get(digits)),
            ranges=tuple(
                (str(k), c) for k in keys if (c := counters(range_rows.get(k))) is not None
            ),
        )
        j = at.get(digits)
        pattern = None
        if j is not None:
            p = [int(x) for x in patterns[j, :7]]
            pattern = CallerPattern(*p, first_epoch=NOW - 5 * DAY, last_epoch=NOW - 60)
        expected = model.probability(
            extract(
                FeatureInputs(
                    number=number, evidence=live, pattern=pattern,
                    attestation=Attestation.ABSENT, call_time=None, now_epoch=NOW,
                    first_seen_epoch=pattern.first_epoch if pattern else None,
                )
            )
        )  # fmt: skip
        assert math.isclose(got[i], expected, rel_tol=1e-9, abs_tol=1e-12), digits
