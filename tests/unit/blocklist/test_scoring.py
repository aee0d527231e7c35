"""The array scorer agrees with score_reputation, the one definition of reputation."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pepper.blocklist.scoring import Rows, score
from pepper.reputation import DEFAULT_PARAMS, Counters, Evidence, score_reputation

NOW = 1_764_000_000.0
weights = st.one_of(st.just(0.0), st.floats(0.0, 50.0), st.floats(0.0, 1e13))
rows = st.builds(
    Counters,
    spam_w=weights,
    ham_w=weights,
    complaint_w=weights,
    spam_n=st.integers(0, 1000),
    ref_epoch=st.floats(NOW - 400 * 86400, NOW + 86400),
)
maybe_rows = st.one_of(st.none(), rows)


def _columns(items: list[Counters | None]) -> Rows:
    present = [c is not None for c in items]
    matrix = [
        (c.spam_w, c.ham_w, c.complaint_w, c.spam_n, c.ref_epoch) if c else (0, 0, 0, 0, 0)
        for c in items
    ]
    return Rows.from_matrix(present, matrix)


@settings(max_examples=100)
@given(st.lists(st.tuples(rows, maybe_rows, maybe_rows), min_size=1, max_size=30))
def test_array_scores_equal_score_reputation(cases: list[tuple[Counters, ...]]) -> None:
    own = _columns([c[0] for c in cases])
    exchange = _columns([c[1] for c in cases])
    block = _columns([c[2] for c in cases])
    got = score(own, (exchange, block), NOW, DEFAULT_PARAMS)
    for i, (number, ex, blk) in enumerate(cases):
        ranges = tuple((k, r) for k, r in (("+1:415555", ex), ("+1:4155550", blk)) if r)
        expected = score_reputation(Evidence(number=number, ranges=ranges), NOW, DEFAULT_PARAMS)
        assert math.isclose(got.p_spam[i], expected.p_spam, rel_tol=1e-9, abs_tol=1e-12)
        assert bool(got.trusted[i]) == expected.trusted
        assert bool(got.robocall[i]) == (expected.category == "robocall")


def test_no_evidence_scores_the_prior() -> None:
    nothing = _columns([Counters(ref_epoch=NOW)])
    missing = _columns([None])
    got = score(nothing, (missing, missing), NOW, DEFAULT_PARAMS)
    assert np.isclose(got.p_spam[0], DEFAULT_PARAMS.prior_spam)
