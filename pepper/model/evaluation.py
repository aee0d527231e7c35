"""Honest metrics for a spam scorer: ranking, precision, recall at tiny false-positive
rates (a blocked mother's call is the cost that matters), and calibration."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

FPR_POINTS = (0.001, 0.01)
CALIBRATION_BINS = 10


def recall_at_fpr(y: NDArray[np.int_], scores: NDArray[np.float64], fpr: float) -> float:
    """Share of spam caught at the strictest threshold that flags at most ``fpr`` of
    legitimate calls (ties at the threshold count as not flagged)."""
    negatives = np.sort(scores[y == 0])
    positives = scores[y == 1]
    if negatives.size == 0 or positives.size == 0:
        return float("nan")
    allowed = int(np.floor(fpr * negatives.size))
    threshold = negatives[negatives.size - allowed - 1] if allowed < negatives.size else -np.inf
    return float(np.mean(positives > threshold))


def calibration(y: NDArray[np.int_], scores: NDArray[np.float64]) -> list[dict[str, float]]:
    bins = np.clip((scores * CALIBRATION_BINS).astype(int), 0, CALIBRATION_BINS - 1)
    table = []
    for b in range(CALIBRATION_BINS):
        mask = bins == b
        if mask.any():
            table.append(
                {
                    "bin": b / CALIBRATION_BINS,
                    "predicted": round(float(scores[mask].mean()), 4),
                    "observed": round(float(y[mask].mean()), 4),
                    "n": int(mask.sum()),
                }
            )
    return table


def metrics(y: NDArray[np.int_], scores: NDArray[np.float64]) -> dict[str, Any]:
    y = np.asarray(y, dtype=int)
    scores = np.asarray(scores, dtype=float)
    return {
        "n": int(y.size),
        "positives": int(y.sum()),
        "roc_auc": round(float(roc_auc_score(y, scores)), 4),
        "pr_auc": round(float(average_precision_score(y, scores)), 4),
        "recall_at_fpr_0.1%": round(recall_at_fpr(y, scores, 0.001), 4),
        "recall_at_fpr_1%": round(recall_at_fpr(y, scores, 0.01), 4),
        "brier": round(float(brier_score_loss(y, np.clip(scores, 0, 1))), 4),
        "calibration": calibration(y, np.clip(scores, 0, 1)),
    }
