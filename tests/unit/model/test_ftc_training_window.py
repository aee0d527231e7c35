"""Real FTC rows for training never carry the evaluation's labels or negatives."""

from __future__ import annotations

from datetime import date

from pepper.model.ftc_split import training_window
from pepper.numbers import NormalizedNumber, normalize

EARLY, MIDDLE, CUTOFF, LATE = (
    date(2025, 10, 1),
    date(2025, 10, 20),
    date(2025, 11, 1),
    date(2025, 11, 5),
)


def _complaints() -> list[tuple[date, NormalizedNumber]]:
    rows = []
    for day, first in ((EARLY, 0), (MIDDLE, 100), (CUTOFF, 200), (LATE, 300)):
        for i in range(40):
            rows.append((day, normalize(f"+1415555{first + i:04d}")))
    rows.append((LATE, normalize("+14155550005")))  # an early number complained about again
    return rows


def test_training_rows_come_from_before_the_cutoff_and_never_from_the_evaluation() -> None:
    splits = training_window(_complaints(), cutoff=CUTOFF, seed=3)
    evaluation, training = splits.evaluation, splits.training
    assert training is not None
    assert training.cutoff == MIDDLE
    train_positives = {n for n, y in zip(training.numbers, training.y, strict=True) if y == 1}
    assert train_positives == {f"+1415555{100 + i:04d}" for i in range(40)}
    assert not set(training.numbers) & set(evaluation.numbers)
    # Its history is the early file only; the evaluation's is everything before CUTOFF.
    assert (training.history_complaints, evaluation.history_complaints) == (40, 80)
    ever = {f"+1415555{i:04d}" for i in range(340)}
    negatives = {n for n, y in zip(training.numbers, training.y, strict=True) if y == 0}
    assert negatives
    assert not negatives & ever


def test_with_one_file_before_the_cutoff_there_is_nothing_to_train_on() -> None:
    rows = [r for r in _complaints() if r[0] != MIDDLE]
    assert training_window(rows, cutoff=CUTOFF).training is None
