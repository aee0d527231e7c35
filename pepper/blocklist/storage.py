"""Reading evidence for a publish, and storing and reading published artifacts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from pepper.blocklist.build import Evidence, OperatorLabel, evidence_from_rows
from pepper.blocklist.entries import Numbers
from pepper.blocklist.models import BlocklistArtifact, BlocklistVersion
from pepper.blocklist.numbers import range_key_id
from pepper.reputation import dominant_category


def _raw_rows(session: Session, sql: str) -> list[tuple[Any, ...]]:
    # A publish reads every counter row: the DBAPI cursor's plain tuples cost a fraction
    # of SQLAlchemy's Row objects at a million rows. ``sql`` is a constant of this module.
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def read_evidence(session: Session, extra: Numbers | None = None) -> Evidence:
    """Every number's counters, its ranges' counters, and its dominant category; the
    ``extra`` numbers (callers the carrier saw) join without a row of their own."""
    number_rows: list[tuple[float, ...]] = []
    range_rows: list[tuple[float, ...]] = []
    sql = (
        "SELECT key, spam_w, ham_w, complaint_w, spam_n, ref_epoch,"
        " spam_n + ham_n + complaint_n FROM reputation_counters"
    )
    for key, spam_w, ham_w, complaint_w, spam_n, ref_epoch, events in _raw_rows(session, sql):
        values = (
            float(spam_w), float(ham_w), float(complaint_w), float(spam_n), float(ref_epoch),
            float(events),
        )  # fmt: skip
        if key.startswith("n:+"):
            number_rows.append((int(key[3:]), *values))
        elif key.startswith("r:+"):
            range_rows.append((range_key_id(key[2:]), *values))
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    sql = "SELECT e164, category, n FROM report_categories WHERE n > 0"
    for e164, category, n in _raw_rows(session, sql):
        counts[e164][category] = int(n)
    categories: dict[int, str] = {}
    for e164, by_category in counts.items():
        dominant = dominant_category(by_category)
        if dominant is not None and e164.startswith("+"):
            categories[int(e164[1:])] = dominant
    return evidence_from_rows(number_rows, range_rows, categories, extra)


# In PatternColumns order (pepper.model.features_batch), after the caller.
_PATTERN_SQL = (
    "SELECT caller, calls, subscribers, finished, answered, short_calls, challenge_passed,"
    " challenge_failed, first_epoch, last_epoch FROM caller_stats"
)


def read_patterns(session: Session) -> tuple[Numbers, NDArray[np.float64]]:
    """Every caller's carrier call pattern: (digits ascending, an (n, 9) array)."""
    rows = [
        (int(caller[1:]), *values)
        for caller, *values in _raw_rows(session, _PATTERN_SQL)
        if caller.startswith("+") and caller[1:].isdigit() and not caller.startswith("+0")
    ]
    rows.sort(key=lambda r: r[0])
    numbers = np.array([r[0] for r in rows], dtype=np.uint64)
    matrix = np.array([r[1:] for r in rows], dtype=np.float64).reshape(-1, 9)
    return numbers, matrix


def operator_labels(session: Session) -> list[OperatorLabel]:
    rows = session.execute(
        text("SELECT prefix, is_prefix, verdict, category FROM admin_labels")
    ).all()
    return [
        OperatorLabel(prefix.lstrip("+"), bool(is_prefix), verdict, category)
        for prefix, is_prefix, verdict, category in rows
        if prefix.lstrip("+").isdigit() and not prefix.lstrip("+").startswith("0")
    ]


@dataclass(frozen=True, slots=True, order=True)
class PersonalEntry:
    kind: str  # "allow" | "block"
    digits: str
    is_prefix: bool


def personal_entries(session: Session, device_id: int) -> list[PersonalEntry]:
    rows = session.execute(
        text("SELECT kind, prefix, is_prefix FROM list_entries WHERE device_id = :d"),
        {"d": device_id},
    ).all()
    return personal(rows)


def personal(rows: Iterable[tuple[str, str, bool]]) -> list[PersonalEntry]:
    """(kind, prefix, is_prefix) of list entries as block lists use them, in order."""
    return sorted(
        PersonalEntry(kind, prefix.lstrip("+"), bool(is_prefix))
        for kind, prefix, is_prefix in rows
        if prefix.lstrip("+").isdigit() and not prefix.lstrip("+").startswith("0")
    )


def latest_version(session: Session) -> int | None:
    return session.scalar(select(func.max(BlocklistVersion.version)))


def model_version(session: Session, version: int) -> str | None:
    """The model that ranked a version ("reputation-v1": reputation alone)."""
    return session.scalar(
        select(BlocklistVersion.model_version).where(BlocklistVersion.version == version)
    )


def versions(session: Session) -> list[int]:
    """Published versions still retained, oldest first."""
    return list(
        session.scalars(select(BlocklistVersion.version).order_by(BlocklistVersion.version))
    )


def add_version(
    session: Session,
    *,
    version: int,
    model_version: str,
    entries: int,
    summary: dict[str, Any],
    artifacts: Iterable[BlocklistArtifact],
) -> None:
    session.add(
        BlocklistVersion(
            version=version, model_version=model_version, entries=entries, summary=summary
        )
    )
    session.flush()  # the version row first: the artifacts reference it
    session.add_all(list(artifacts))


def prune(session: Session, *, keep: int) -> list[int]:
    """Delete all but the ``keep`` newest versions; returns the deleted versions."""
    retained = versions(session)
    doomed = retained[: max(len(retained) - keep, 0)]
    if doomed:
        session.execute(delete(BlocklistArtifact).where(BlocklistArtifact.version.in_(doomed)))
        session.execute(delete(BlocklistVersion).where(BlocklistVersion.version.in_(doomed)))
    return doomed


def artifact(session: Session, *, version: int, country_code: int, since: int) -> bytes | None:
    """The stored (gzip) payload, or None when that version or delta is not kept."""
    return session.scalar(
        select(BlocklistArtifact.payload).where(
            BlocklistArtifact.version == version,
            BlocklistArtifact.country_code == country_code,
            BlocklistArtifact.since == since,
        )
    )


def countries(session: Session, version: int) -> set[int]:
    return set(
        session.scalars(
            select(BlocklistArtifact.country_code).where(
                BlocklistArtifact.version == version, BlocklistArtifact.since == 0
            )
        )
    )


def has_artifact(session: Session, *, version: int, country_code: int, since: int) -> bool:
    found = session.scalar(
        select(BlocklistArtifact.entries).where(
            BlocklistArtifact.version == version,
            BlocklistArtifact.country_code == country_code,
            BlocklistArtifact.since == since,
        )
    )
    return found is not None
