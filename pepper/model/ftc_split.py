"""The FTC time split: the honest test of a spam model on real data.

History: every complaint in files dated before the cutoff (the 90-day backfill and the
early daily files). Test positives: the distinct numbers complained about in files on
or after the cutoff. Test negatives — the stated legitimate population, since real
legitimate traffic is not public: valid NANP numbers drawn uniformly at random from the
same area codes as the positives, excluding every number ever complained about. That
population is easier than real callers (legitimate numbers also cluster in busy
exchanges), so the absolute figures flatter every model alike; the comparison with the
"block every previously reported number" baseline, computed on the same rows, is the
figure that matters.

The same construction one file earlier gives real training rows (``training_window``):
history before the previous file date, positives complained about from it until the
evaluation cutoff, negatives drawn apart from the evaluation's. Nothing of the
evaluation's labels or negatives reaches training.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from pepper.complaints.ftc import BadRow, open_rows
from pepper.complaints.importer import open_text
from pepper.model.features import extract_without_call
from pepper.numbers import NormalizedNumber, normalize
from pepper.numbers.normalize import classify_for_import
from pepper.numbers.ranges import range_keys
from pepper.reputation.core import Counters, Evidence, contribution

DEFAULT_CUTOFF = date(2025, 11, 20)


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


@dataclass
class Split:
    cutoff: date
    X: NDArray[np.float64]
    y: NDArray[np.int_]
    previously_reported: NDArray[np.float64]  # the baseline's score: 1.0 if seen before
    history_complaints: int
    test_positives: int
    test_negatives: int
    numbers: tuple[str, ...] = ()  # the E.164 of each row, in order


def read_complaints(path: Path) -> Iterable[tuple[date, NormalizedNumber]]:
    seen: dict[str, NormalizedNumber | None] = {}
    with open_text(path) as (text, _raw):
        _, rows = open_rows(text, path.name)
        for row in rows:
            if isinstance(row, BadRow):
                continue
            if row.raw_number not in seen:
                seen[row.raw_number] = classify_for_import(row.raw_number, "US")[0]
            number = seen[row.raw_number]
            if number is not None and number.e164 is not None:
                yield row.file_date, number


Complaints = list[tuple[date, NormalizedNumber]]


def build(
    path: Path | Complaints,
    *,
    cutoff: date = DEFAULT_CUTOFF,
    until: date | None = None,
    seed: int = 7,
    half_life_days: float = 90.0,
    exclude: frozenset[str] = frozenset(),
) -> Split:
    """History before ``cutoff``; positives complained about in [cutoff, until); as many
    negatives, never complained about and not in ``exclude``."""
    complaints = list(read_complaints(path)) if isinstance(path, Path) else path
    now = _epoch(cutoff)
    weights: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    first_seen: dict[str, float] = {}
    test: dict[str, NormalizedNumber] = {}
    ever: set[str] = set()
    history = 0
    for day, number in complaints:
        e164 = number.e164
        assert e164 is not None
        ever.add(e164)
        if day >= cutoff:
            if until is None or day < until:
                test[e164] = number
            continue
        history += 1
        w = contribution(1.0, _epoch(day) + 43200, now, half_life_days)
        for key in (f"n:{e164}", *(f"r:{k}" for k in range_keys(number))):
            weights[key] += w
            counts[key] += 1
        first_seen[e164] = min(first_seen.get(e164, now), _epoch(day))
    negatives = _legitimate_population(list(test.values()), ever | set(exclude), seed)
    rows, labels, baseline = [], [], []
    for label, numbers in ((1, list(test.values())), (0, negatives)):
        for number in numbers:
            rows.append(_features(number, weights, counts, first_seen, now, half_life_days))
            labels.append(label)
            baseline.append(1.0 if number.e164 in first_seen else 0.0)
    return Split(
        cutoff=cutoff,
        X=np.asarray(rows, dtype=float),
        y=np.asarray(labels, dtype=int),
        previously_reported=np.asarray(baseline, dtype=float),
        history_complaints=history,
        test_positives=len(test),
        test_negatives=len(negatives),
        numbers=tuple(n.e164 or "" for n in (*test.values(), *negatives)),
    )


@dataclass
class Splits:
    evaluation: Split
    training: Split | None  # None when the file has no earlier date to learn from


def training_window(
    path: Path | Complaints, *, cutoff: date = DEFAULT_CUTOFF, seed: int = 7
) -> Splits:
    """The evaluation split at ``cutoff`` and real training rows one file date earlier."""
    complaints = list(read_complaints(path)) if isinstance(path, Path) else path
    evaluation = build(complaints, cutoff=cutoff, seed=seed)
    earlier = sorted({day for day, _ in complaints if day < cutoff})
    if len(earlier) < 2:
        return Splits(evaluation, None)
    training = build(
        complaints, cutoff=earlier[-1], until=cutoff, seed=seed + 1,
        exclude=frozenset(evaluation.numbers),
    )  # fmt: skip
    return Splits(evaluation, training)


def _counters(
    key: str, weights: dict[str, float], counts: dict[str, int], now: float
) -> Counters | None:
    if key not in counts:
        return None
    return Counters(complaint_w=weights[key], complaint_n=counts[key], ref_epoch=now)


def _features(
    number: NormalizedNumber,
    weights: dict[str, float],
    counts: dict[str, int],
    first_seen: dict[str, float],
    now: float,
    half_life_days: float,
) -> list[float]:
    e164 = number.e164
    ranges = tuple(
        (k, c)
        for k in range_keys(number)
        if (c := _counters(f"r:{k}", weights, counts, now)) is not None
    )
    evidence = Evidence(number=_counters(f"n:{e164}", weights, counts, now), ranges=ranges)
    return extract_without_call(number, evidence, now, first_seen.get(e164 or ""), half_life_days)


def _legitimate_population(
    positives: list[NormalizedNumber], excluded: set[str], seed: int
) -> list[NormalizedNumber]:
    """As many valid, never-complained-about numbers as positives, in the same area codes."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    area_codes = sorted({n.national_number[:3] for n in positives if n.national_number})
    population: list[NormalizedNumber] = []
    attempts = 0
    while len(population) < len(positives) and attempts < len(positives) * 50:
        attempts += 1
        exchange = f"{rng.randrange(2, 10)}{rng.randrange(0, 100):02d}"
        candidate = f"+1{rng.choice(area_codes)}{exchange}{rng.randrange(0, 10_000):04d}"
        if candidate in excluded:
            continue
        number = normalize(candidate)
        if number.is_valid and number.e164 is not None:
            population.append(number)
            excluded.add(candidate)
    return population
