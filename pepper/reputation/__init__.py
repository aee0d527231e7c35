"""Reputation: the Bayesian spam score of a number from reports, complaints and its ranges.

Pure code: no I/O, no Flask, no SQLAlchemy. Storage keeps the decayed counters;
this package only reads them (see `pepper.reputation.core` for the model).
"""

from __future__ import annotations

from functools import lru_cache

from pepper.reputation.core import (
    DEFAULT_PARAMS,
    Counters,
    Evidence,
    ReputationParams,
    contribution,
    decay_factor,
    decayed,
    report_weight,
    score_reputation,
)
from pepper.reputation.explain import bucket, dominant_category


@lru_cache(maxsize=8)
def params_for(half_life_days: float) -> ReputationParams:
    """The parameters every reader and writer of reputation shares, built once."""
    return ReputationParams(half_life_days=half_life_days)


__all__ = [
    "DEFAULT_PARAMS",
    "Counters",
    "Evidence",
    "ReputationParams",
    "bucket",
    "contribution",
    "decay_factor",
    "decayed",
    "dominant_category",
    "params_for",
    "report_weight",
    "score_reputation",
]
