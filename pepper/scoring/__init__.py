"""The scoring interface the decision asks for a spam probability.

Until a trained model is active, the reputation model alone answers; the spam model
(issue 5) plugs in behind the same ``Scorer`` protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pepper.reputation import Evidence, ReputationParams, score_reputation
from pepper.screening.types import CallFacts, Score


class Scorer(Protocol):
    @property
    def version(self) -> str: ...

    def score(self, call: CallFacts, evidence: Evidence, now_epoch: float) -> Score: ...


@dataclass(frozen=True)
class ReputationScorer:
    params: ReputationParams
    version: str = "reputation-v1"

    def score(self, call: CallFacts, evidence: Evidence, now_epoch: float) -> Score:
        return score_reputation(evidence, now_epoch, self.params, version=self.version)
