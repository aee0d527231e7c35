"""The scoring interface the decision asks for a spam probability.

Until a trained model is active, the reputation model alone answers; the spam model
(issue 5) plugs in behind the same ``Scorer`` protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pepper.model.features import CallerPattern
from pepper.reputation import Evidence, ReputationParams, score_reputation
from pepper.screening.types import CallFacts, Score


class Scorer(Protocol):
    @property
    def version(self) -> str: ...

    def score(
        self,
        call: CallFacts,
        evidence: Evidence,
        now_epoch: float,
        pattern: CallerPattern | None = None,
    ) -> Score: ...

    def refresh(self) -> None:
        """Pick up a newly activated version, if the scorer has versions."""


@dataclass(frozen=True)
class ReputationScorer:
    params: ReputationParams
    version: str = "reputation-v1"

    def score(
        self,
        call: CallFacts,
        evidence: Evidence,
        now_epoch: float,
        pattern: CallerPattern | None = None,
    ) -> Score:
        return score_reputation(evidence, now_epoch, self.params, version=self.version)

    def refresh(self) -> None:
        """The reputation model has no versions to follow."""
