"""Reputation: the Bayesian spam score of a number from reports, complaints and its ranges.

Pure code: no I/O, no Flask, no SQLAlchemy. Storage keeps the decayed counters;
this package only reads them (see `pepper.reputation.core` for the model).
"""

from __future__ import annotations

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
    "report_weight",
    "score_reputation",
]
