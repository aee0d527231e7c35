"""Reading and writing reputation evidence: atomic counter updates on either database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from pepper.db.dialect import fill_staging_table
from pepper.numbers import NormalizedNumber
from pepper.numbers.ranges import range_keys
from pepper.reputation.core import Counters, contribution

# One statement for every writer (reports, withdrawals, imports, on any host): the row
# is decayed to the writer's clock and the delta added, inside the database, so two
# servers updating one number never lose an increment (no read-modify-write).
_UPSERT = """
INSERT INTO reputation_counters
    (key, spam_w, ham_w, complaint_w, spam_n, ham_n, complaint_n, ref_epoch)
{source}
ON CONFLICT (key) DO UPDATE SET
    spam_w = reputation_counters.spam_w * pepper_decay(
        reputation_counters.ref_epoch, excluded.ref_epoch, :half_life) + excluded.spam_w,
    ham_w = reputation_counters.ham_w * pepper_decay(
        reputation_counters.ref_epoch, excluded.ref_epoch, :half_life) + excluded.ham_w,
    complaint_w = reputation_counters.complaint_w * pepper_decay(
        reputation_counters.ref_epoch, excluded.ref_epoch, :half_life) + excluded.complaint_w,
    spam_n = reputation_counters.spam_n + excluded.spam_n,
    ham_n = reputation_counters.ham_n + excluded.ham_n,
    complaint_n = reputation_counters.complaint_n + excluded.complaint_n,
    ref_epoch = CASE WHEN excluded.ref_epoch > reputation_counters.ref_epoch
                     THEN excluded.ref_epoch ELSE reputation_counters.ref_epoch END
"""
COUNTER_COLUMNS = (
    "key", "spam_w", "ham_w", "complaint_w", "spam_n", "ham_n", "complaint_n", "ref_epoch",
)  # fmt: skip
UPSERT_VALUES = text(
    _UPSERT.format(
        source="VALUES (:key, :spam_w, :ham_w, :complaint_w, :spam_n, :ham_n, :complaint_n,"
        " :ref_epoch)"
    )
)
# SQLite needs a WHERE to tell the upsert's ON from a join's ON.
UPSERT_FROM_STAGING = text(_UPSERT.format(source="SELECT * FROM staged_counters WHERE true"))


def number_key(e164: str) -> str:
    return f"n:{e164}"


def range_key(key: str) -> str:
    return f"r:{key}"


def evidence_keys(number: NormalizedNumber) -> list[str]:
    if number.e164 is None:
        return []
    return [number_key(number.e164), *(range_key(k) for k in range_keys(number))]


def ranges_found(
    keys: list[str], counters: dict[str, Counters]
) -> tuple[tuple[str, Counters], ...]:
    """The (range key, row) pairs of ``evidence_keys`` that have a row, widest first."""
    return tuple((k[2:], counters[k]) for k in keys[1:] if k in counters)


@dataclass(frozen=True, slots=True)
class Delta:
    """What one event adds to (or, negative, takes from) a counter row."""

    key: str
    spam_w: float = 0.0
    ham_w: float = 0.0
    complaint_w: float = 0.0
    spam_n: int = 0
    ham_n: int = 0
    complaint_n: int = 0

    def row(self, now_epoch: float) -> dict[str, float | int | str]:
        return {
            "key": self.key,
            "spam_w": self.spam_w,
            "ham_w": self.ham_w,
            "complaint_w": self.complaint_w,
            "spam_n": self.spam_n,
            "ham_n": self.ham_n,
            "complaint_n": self.complaint_n,
            "ref_epoch": now_epoch,
        }


def apply_deltas(
    session: Session, deltas: Iterable[Delta], *, now_epoch: float, half_life_days: float
) -> None:
    # Sorted keys: two transactions touching the same rows lock them in the same order
    # and cannot deadlock each other on PostgreSQL.
    rows = [d.row(now_epoch) for d in sorted(deltas, key=lambda d: d.key)]
    if rows:
        session.execute(UPSERT_VALUES, [{**r, "half_life": half_life_days * 86400} for r in rows])


def count_category(session: Session, e164: str, category: str, delta: int) -> None:
    session.execute(
        text(
            "INSERT INTO report_categories (e164, category, n) VALUES (:e164, :category, :delta)"
            " ON CONFLICT (e164, category) DO UPDATE SET n = report_categories.n + excluded.n"
        ),
        {"e164": e164, "category": category, "delta": delta},
    )


def add_complaints(
    session: Session,
    counts: Iterable[tuple[NormalizedNumber, date, int]],
    *,
    now_epoch: float,
    half_life_days: float,
) -> int:
    """Fold complaints (number, day, how many) into the number and range counters.

    Each complaint weighs what is left of it today; the rows are staged and merged by
    one upsert, so an import of a quarter of a million complaints stays one statement.
    Returns how many counter rows were touched.
    """
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for number, day, n in counts:
        epoch = datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()
        weight = contribution(n, epoch, now_epoch, half_life_days)
        for key in evidence_keys(number):
            total = totals[key]
            total[0] += weight
            total[1] += n
    rows = [(key, 0.0, 0.0, w, 0, 0, int(n), now_epoch) for key, (w, n) in sorted(totals.items())]
    if not rows:
        return 0
    fill_staging_table(
        session, "staged_counters", "SELECT * FROM reputation_counters", COUNTER_COLUMNS, rows
    )
    session.execute(UPSERT_FROM_STAGING, {"half_life": half_life_days * 86400})
    session.execute(text("DROP TABLE staged_counters"))
    return len(rows)
