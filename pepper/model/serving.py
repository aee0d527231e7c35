"""Serving the active model in every process, swapped whole when the pointer moves.

Each process reads the active pointer every ``model_poll_s`` seconds (5 s: every worker
on every host serves a new version within 10 s). A new version is loaded — hash and
scikit-learn version checked — and folded into a ``FastLogistic`` before one reference
assignment makes it visible, so no request ever sees half a model. A corrupt or
tampered artifact is refused, reported and counted, and the previous version keeps
serving. Without any active model the reputation scorer answers alone.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import JSON, text
from sqlalchemy.exc import SQLAlchemyError

from pepper.metrics import ACTIVE_MODEL, MODEL_LOAD_FAILURES, MODEL_SWAPS
from pepper.model.artifacts import ArtifactRefused, load
from pepper.model.fast import FastLogistic, from_pipeline
from pepper.model.features import (
    FEATURE_NAMES,
    CallerPattern,
    FeatureInputs,
    describe,
    extract,
)
from pepper.reputation import Evidence, ReputationParams, score_reputation
from pepper.runtime import Runtime
from pepper.screening.types import CallFacts, Reason, Score

log = logging.getLogger(__name__)

_ACTIVE = text(
    "SELECT v.version, v.artifact, v.sha256, v.sklearn_version, v.features FROM active_model a"
    " JOIN model_versions v ON v.version = a.version WHERE a.id = 1"
).columns(features=JSON())


@dataclass(frozen=True, slots=True)
class Loaded:
    version: str
    model: FastLogistic
    # The training data's feature means: explanations name what moved a call away
    # from the average caller, not what every caller has.
    means: tuple[float, ...]


class ModelScorer:
    """The Scorer of the decision: the active model's probability, reputation's category
    and trust, and the features that moved the score most as the reasons."""

    def __init__(self, runtime: Runtime, params: ReputationParams) -> None:
        self.runtime = runtime
        self.params = params
        self.models_dir: Path = runtime.settings.models_dir
        self.poll_s = runtime.settings.model_poll_s
        self._loaded: Loaded | None = None
        self._failed: set[str] = set()
        self._lock = threading.Lock()
        self._next_check = 0.0
        ACTIVE_MODEL.labels(version=self.version).set(1)

    @property
    def version(self) -> str:
        loaded = self._loaded
        return loaded.version if loaded else "reputation-v1"

    def refresh(self) -> None:
        """Follow the active pointer (at most once per poll interval per process)."""
        now = time.monotonic()
        if now < self._next_check or not self._lock.acquire(blocking=False):
            return
        try:
            self._next_check = now + self.poll_s
            self._follow_pointer()
        finally:
            self._lock.release()

    def _follow_pointer(self) -> None:
        try:
            with self.runtime.engine.connect() as connection:
                row = connection.execute(_ACTIVE).first()
        except SQLAlchemyError:
            return  # keep serving what we have; the decision path reports the outage
        if row is None or (self._loaded and self._loaded.version == row.version):
            return
        if row.version in self._failed:
            return
        if tuple(row.features) != FEATURE_NAMES:
            # Trained on another feature list than this code extracts: unservable.
            self._refuse(row.version, "feature_mismatch")
            return
        try:
            pipeline = load(
                self.models_dir / row.artifact,
                expected_sha256=row.sha256,
                expected_sklearn_version=row.sklearn_version,
            )
            fast = from_pipeline(pipeline, FEATURE_NAMES)
        except ArtifactRefused as exc:
            self._refuse(row.version, exc.reason)
            return
        except ValueError:
            self._refuse(row.version, "not_a_logistic_pipeline")
            return
        means = tuple(float(m) for m in pipeline.named_steps["scale"].mean_)
        previous = self.version
        self._loaded = Loaded(row.version, fast, means)  # one assignment: the swap
        MODEL_SWAPS.inc()
        ACTIVE_MODEL.labels(version=previous).set(0)
        ACTIVE_MODEL.labels(version=row.version).set(1)
        log.info("serving model %s", row.version)

    def _refuse(self, version: str, reason: str) -> None:
        self._failed.add(version)
        MODEL_LOAD_FAILURES.labels(reason=reason).inc()
        log.error(
            "refused model %s (%s); the previous one keeps serving",
            version,
            reason,
            extra={"model_version": version, "reason": reason},
        )

    def score(
        self,
        call: CallFacts,
        evidence: Evidence,
        now_epoch: float,
        pattern: CallerPattern | None = None,
    ) -> Score:
        self.refresh()
        reputation = score_reputation(evidence, now_epoch, self.params)
        loaded = self._loaded
        if loaded is None:
            return reputation
        features = extract(
            FeatureInputs(
                number=call.number,
                evidence=evidence,
                pattern=pattern,
                attestation=call.attestation,
                call_time=call.call_time,
                now_epoch=now_epoch,
                # Our data's first sight of a caller is its first carrier call.
                first_seen_epoch=pattern.first_epoch if pattern else None,
                half_life_days=self.params.half_life_days,
            )
        )
        p = loaded.model.probability(features)
        reasons = (
            tuple(Reason(name, describe(name, value)) for name, value in _top(loaded, features))
            or reputation.reasons
        )
        return replace(reputation, p_spam=p, model_version=loaded.version, reasons=reasons)


def _top(loaded: Loaded, features: list[float]) -> list[tuple[str, float]]:
    """The (at most two) features that pushed this call's score up the most."""
    model = loaded.model
    # Absence is not a reason a user can act on: missing indicators, and features at 0
    # because their group is missing, never explain a score.
    pushes = [
        (w * (x - m), name, x)
        for name, w, x, m in zip(
            model.feature_names, model.weights, features, loaded.means, strict=True
        )
        if x != 0.0 and not name.endswith("_missing")
    ]
    pushes.sort(reverse=True)
    return [(name, x) for push, name, x in pushes[:2] if push > 0.25]
