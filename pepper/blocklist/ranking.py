"""The active spam model's probability for every number of a publish.

A live call is scored by ``ModelScorer``: the model's probability replaces reputation's,
while reputation still decides trust and the category. A published list is the answer
a phone would get for a call from each number, so it is scored the same way, with the
same features (``pepper.model.features_batch``, held to ``extract()``), except that a
list has no call: attestation is absent (``att_none``) and the call time is missing
(``time_missing``) — what the extractor says when a phone reports neither. The number's
first sighting is its first carrier call, as in the decision.

The model is loaded as servers load it (feature list, hash and scikit-learn version
checked); with no active model, or one that is refused, the lists follow reputation
alone and the published version says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pepper.blocklist.build import Evidence
from pepper.blocklist.facts import number_facts
from pepper.blocklist.numbers import country_codes
from pepper.blocklist.scoring import Floats, Rows
from pepper.errors import NotFound
from pepper.jobs.service import UowFactory
from pepper.model import registry
from pepper.model.artifacts import ArtifactRefused
from pepper.model.fast import FastLogistic, from_pipeline
from pepper.model.features import FEATURE_NAMES
from pepper.model.features_batch import (
    BatchInputs,
    CounterColumns,
    PatternColumns,
    extract_many,
    no_call,
)
from pepper.model.service import load_version

log = logging.getLogger(__name__)

REPUTATION_ONLY = "reputation-v1"  # what ModelScorer.version says without a model
CHUNK = 1 << 17  # rows of features built at once: 40 MiB, not 320 for a million


@dataclass(frozen=True, slots=True)
class Ranker:
    """What ranks a publish: the active model, or reputation alone and why."""

    version: str  # the model version, or REPUTATION_ONLY
    model: FastLogistic | None
    ranking: str  # "model" | "reputation"
    reason: str | None = None  # why not the model: "no_active_model", "hash_mismatch", ...


def active_ranker(uow_factory: UowFactory, models_dir: Path) -> Ranker:
    """The active model as a server would load it, or reputation alone and why."""
    with uow_factory() as uow:
        try:
            info = registry.get(uow)
        except NotFound:
            return Ranker(REPUTATION_ONLY, None, "reputation", "no_active_model")
    reason = None
    if info.features != FEATURE_NAMES:
        reason = "feature_mismatch"
    else:
        try:
            model = from_pipeline(load_version(models_dir, info), FEATURE_NAMES)
        except ArtifactRefused as exc:
            reason = exc.reason
        except ValueError:
            reason = "not_a_logistic_pipeline"
    if reason is not None:
        log.error(
            "block lists follow reputation alone: model %s refused (%s)",
            info.version,
            reason,
            extra={"model_version": info.version, "reason": reason},
        )
        return Ranker(REPUTATION_ONLY, None, "reputation", f"{reason}: {info.version}")
    return Ranker(info.version, model, "model")


def _counters(rows: Rows, events: Floats) -> CounterColumns:
    return CounterColumns(
        rows.present, rows.spam_w, rows.ham_w, rows.complaint_w, events, rows.ref_epoch
    )


def _patterns(numbers: np.ndarray, callers: np.ndarray, matrix: np.ndarray) -> PatternColumns:
    """Each number's carrier pattern (``callers`` ascending, rows of ``matrix``)."""
    at = np.minimum(np.searchsorted(callers, numbers), max(callers.size - 1, 0))
    present = callers[at] == numbers if callers.size else np.zeros(numbers.size, dtype=bool)
    m = matrix[at] if callers.size else np.zeros((numbers.size, 9))
    return PatternColumns(present, *(m[:, i] for i in range(9)))


def inputs_for(
    evidence: Evidence,
    callers: np.ndarray,
    patterns: np.ndarray,
    *,
    now: float,
    half_life_days: float,
) -> BatchInputs:
    """The feature inputs of a call from each number, with no call context."""
    numbers = evidence.numbers
    types, valid = number_facts(numbers)
    pattern = _patterns(numbers, callers, patterns)
    attestation, call_epoch = no_call(numbers.size)
    events = evidence.events or (evidence.own.spam_n, *(r.spam_n for r in evidence.ranges))
    return BatchInputs(
        type_index=types,
        nanp=country_codes(numbers) == 1,
        valid=valid,
        identified=np.ones(numbers.size, dtype=np.bool_),
        own=_counters(evidence.own, events[0]),
        ranges=tuple(_counters(r, e) for r, e in zip(evidence.ranges, events[1:], strict=True)),
        pattern=pattern,
        attestation=attestation,
        call_epoch=call_epoch,
        first_seen=np.where(pattern.present, pattern.first_epoch, np.nan),
        now_epoch=now,
        half_life_days=half_life_days,
    )


def probabilities(model: FastLogistic, inputs: BatchInputs) -> Floats:
    """The model's P(spam) of each row, as ``FastLogistic.probability`` (to rounding)."""
    n = inputs.type_index.shape[0]
    weights = np.asarray(model.weights, dtype=np.float64)
    z = np.empty(n)
    for start in range(0, n, CHUNK):
        rows = slice(start, min(start + CHUNK, n))
        z[rows] = extract_many(inputs.take(rows)) @ weights + model.intercept
    # As FastLogistic: exp() only ever sees a non-positive argument.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
