"""normalize() over every number of the real FTC Do-Not-Call complaint data."""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path

import pytest

from pepper.numbers import REJECT_REASONS, NormalizedNumber
from pepper.numbers.normalize import classify_for_import

FTC_FILE = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "data"
    / "ftc-dnc"
    / "complaint_numbers_2025-10-28_to_2025-11-26.csv.gz"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reported_numbers() -> list[str]:
    if not FTC_FILE.exists():
        pytest.skip(f"FTC data not present at {FTC_FILE}")
    with gzip.open(FTC_FILE, "rt", encoding="utf-8", newline="") as rows:
        return [row["number"] for row in csv.DictReader(rows)]


def _breakdown(numbers: list[str]) -> Counter[str]:
    """Rows per outcome: "valid", "possible_invalid", or classify_for_import's reason."""
    outcomes: dict[str, str] = {}  # a third of the rows repeat an earlier number
    counts: Counter[str] = Counter()
    for raw in numbers:
        outcome = outcomes.get(raw)
        if outcome is None:
            # Anything but InvalidNumber escaping here fails the test, as it should.
            number, reason = classify_for_import(raw, "US")
            outcome = outcomes[raw] = _outcome(number, reason)
        counts[outcome] += 1
    return counts


def _outcome(number: NormalizedNumber | None, reason: str | None) -> str:
    if number is None:
        assert reason is not None
        return reason
    return "valid" if number.is_valid else "possible_invalid"


def test_real_complaint_numbers_normalize_with_few_rejects(reported_numbers: list[str]) -> None:
    counts = _breakdown(reported_numbers)
    total = len(reported_numbers)
    print(f"\nFTC complaint numbers: {total} rows")
    for outcome, count in counts.most_common():
        print(f"  {outcome:<22} {count:>8}  {count / total:7.3%}")

    usable = counts["valid"] + counts["possible_invalid"]
    rejected = sum(counts[reason] for reason in REJECT_REASONS)
    assert total >= 280_000
    # Measured on this file: 98.84% valid, 99.14% possible (usable), 0.81% impossible,
    # 0.05% rejected as garbage. The bounds sit just under / over those figures.
    assert counts["valid"] >= 0.985 * total
    assert usable >= 0.99 * total
    assert counts["impossible"] <= 0.01 * total
    assert rejected <= 0.001 * total
    assert set(counts) <= {
        "valid",
        "possible_invalid",
        "impossible",
        "withheld",
        "emergency_or_service",
        "short_code",
        *REJECT_REASONS,
    }
