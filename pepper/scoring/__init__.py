"""The scoring interface the decision asks for a spam probability.

The spam model's scorer (``pepper.model.serving.ModelScorer``) implements it, and
falls back to the reputation model alone while no model version is active.
"""

from __future__ import annotations

from typing import Protocol

from pepper.model.features import CallerPattern
from pepper.reputation import Evidence
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
