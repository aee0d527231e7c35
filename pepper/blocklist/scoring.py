"""``pepper.reputation.score_reputation`` over a million numbers at once, in numpy.

Publishing scores every number with evidence. At ~10 µs per number the per-call scorer
would take most of the publish budget for 1,000,000 numbers; these are the same
formulas on arrays (the unit tests hold this module to ``score_reputation`` on random
evidence, to 1e-9). Only the probability, the trusted flag and the category are
computed: reasons are not needed for a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from pepper.reputation import ReputationParams

Floats: TypeAlias = NDArray[np.float64]
_MAX_WEIGHT = 1e12  # as pepper.reputation.core
_MAX_LOGIT = 30.0
_MIN_REASON_SHIFT = 0.1  # as pepper.reputation.explain: below it, complaints name nothing


@dataclass(frozen=True, eq=False)
class Rows:
    """Counter rows as columns; ``present`` is False where there is no row."""

    present: NDArray[np.bool_]
    spam_w: Floats
    ham_w: Floats
    complaint_w: Floats
    spam_n: Floats
    ref_epoch: Floats

    @classmethod
    def from_matrix(cls, present: Any, matrix: Any) -> Rows:
        """From an (n, 5) float array: spam_w, ham_w, complaint_w, spam_n, ref_epoch."""
        m = np.asarray(matrix, dtype=np.float64).reshape(-1, 5)
        return cls(np.asarray(present, dtype=np.bool_), m[:, 0], m[:, 1], m[:, 2], m[:, 3], m[:, 4])


@dataclass(frozen=True, eq=False)
class Scores:
    p_spam: Floats
    trusted: NDArray[np.bool_]
    # True where the category is "complaints drive it" (robocall), for numbers with no
    # reported category of their own; the caller resolves named categories.
    robocall: NDArray[np.bool_]


def _weigh(rows: Rows, now: float, p: ReputationParams) -> tuple[Floats, Floats, Floats]:
    age = now - rows.ref_epoch
    with np.errstate(over="ignore", invalid="ignore"):
        f = np.where(age > 0, np.exp2(-np.where(age > 0, age, 0.0) / p.half_life_s), 1.0)

        def clean(x: Floats) -> Floats:
            y = x * f
            return np.where(y > 0, np.minimum(y, _MAX_WEIGHT), 0.0)

        present = rows.present
        return (
            np.where(present, clean(rows.spam_w) * p.spam_report_weight, 0.0),
            np.where(present, clean(rows.complaint_w) * p.complaint_weight, 0.0),
            np.where(present, clean(rows.ham_w) * p.not_spam_weight, 0.0),
        )


def score(number: Rows, ranges: tuple[Rows, ...], now: float, params: ReputationParams) -> Scores:
    """Reputation of each number from its own row and its range rows (widest first)."""
    p = params
    reports, complaints, ham = _weigh(number, now, p)
    spam_base, ham_base = p.prior_a + reports + complaints, p.prior_b + ham
    best_odds = spam_base / ham_base
    best = [np.zeros_like(best_odds) for _ in range(3)]  # complaints, reports, ham lifts
    weights = np.asarray(p.range_weights or (0.0,), dtype=np.float64)
    # score_reputation numbers the ranges that have a row (lookup passes only those), so
    # a range's weight is chosen by how many present ranges come before it.
    position = np.zeros(best_odds.shape, dtype=np.intp)
    for rows in ranges if p.range_weights else ():
        w = weights[np.minimum(position, weights.size - 1)]
        position = position + rows.present
        r_reports, r_complaints, r_ham = _weigh(rows, now, p)
        by_reports = w * np.maximum(r_reports - reports, 0.0)
        by_complaints = w * np.maximum(r_complaints - complaints, 0.0)
        lift = by_reports + by_complaints
        over = lift > p.range_cap
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(over, p.range_cap / np.where(over, lift, 1.0), 1.0)
        by_reports, by_complaints = by_reports * scale, by_complaints * scale
        lift = np.where(over, p.range_cap, lift)
        by_ham = w * np.maximum(r_ham - ham, 0.0)
        odds = (spam_base + lift) / (ham_base + by_ham)
        better = rows.present & (odds > best_odds)
        best_odds = np.where(better, odds, best_odds)
        for j, value in enumerate((by_complaints, by_reports, by_ham)):
            best[j] = np.where(better, value, best[j])
    lift_complaints, lift_reports, lift_ham = best
    trusted = (ham > reports + complaints) & (ham >= p.trust_min_not_spam)
    lift_complaints = np.where(trusted, 0.0, lift_complaints)
    lift_reports = np.where(trusted, 0.0, lift_reports)
    lift_ham = np.where(trusted, 0.0, lift_ham)
    spam_total = p.prior_a + reports + complaints + lift_complaints + lift_reports
    ham_total = p.prior_b + ham + lift_ham
    log_odds = np.log(spam_total / ham_total)
    logit = p.evidence_weight * log_odds + p.logit_offset
    capped = p.prior_logit + log_odds - np.log(p.prior_a / p.prior_b)
    logit = np.where(trusted, np.minimum(logit, capped), logit)
    p_spam = 1.0 / (1.0 + np.exp(-np.clip(logit, -_MAX_LOGIT, _MAX_LOGIT)))
    # explain.attribute: the spam side's log Bayes factor, shared by weight.
    spam = reports + complaints + lift_complaints + lift_reports
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(spam > 0, p.evidence_weight * np.log1p(spam / p.prior_a) / spam, 0.0)
    robocall = np.maximum(up * complaints, up * lift_complaints) >= _MIN_REASON_SHIFT
    return Scores(p_spam, trusted, robocall & ~trusted)
