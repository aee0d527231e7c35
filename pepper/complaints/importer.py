"""Importing FTC complaint files: normalize every number, store in one transaction.

A file is imported whole or not at all; bad rows are counted by reason and skipped,
never fatal. Re-importing the same bytes is recognized by their SHA-256 and changes
nothing; re-importing the same complaints from another file (the official daily CSV
after the reduced extract, say) finds them by ``(source, file_date, seq)`` and skips them.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from pepper.complaints.ftc import BadRow, FtcRow, UnknownFormat, open_rows
from pepper.complaints.models import Complaint, ImportRun, PhoneNumber
from pepper.db import UnitOfWork, utcnow
from pepper.db.dialect import allow_long_statements, fill_staging_table
from pepper.errors import ImportFailed
from pepper.numbers import NormalizedNumber
from pepper.numbers.normalize import classify_for_import
from pepper.reputation.storage import add_complaints

SOURCE = "ftc"
# Complaints are staged with their number's e164 and get its id by a join in SQL.
STAGED_COLUMNS = ("e164", "file_date", "seq", "batch", "created_on", "subject", "robocall")
STAGED_SHAPE = (
    "SELECT p.e164, c.file_date, c.seq, c.batch, c.created_on, c.subject, c.robocall"
    " FROM complaints c, phone_numbers p"
)
NUMBER_COLUMNS = ("e164", "country_code", "region", "number_type", "is_valid", "created_at")

# (phase, done, total): phases are "read" (bytes of the file) and "write" (rows).
ProgressFn = Callable[[str, int, int], None]


@dataclass
class ImportReport:
    filename: str
    sha256: str
    file_format: str = ""
    already_imported: bool = False
    rows_total: int = 0
    rows_imported: int = 0
    rows_duplicate: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def rows_rejected(self) -> int:
        return sum(self.rejected_by_reason.values())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as raw:
        for chunk in iter(lambda: raw.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def open_text(path: Path) -> Iterator[tuple[IO[str], IO[bytes]]]:
    """The file as text (gunzipped when it is gzip) plus the raw handle, for progress."""
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if gzipped else raw  # type: ignore[assignment]
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
        yield text, raw


def import_ftc(
    uow: UnitOfWork,
    path: Path,
    *,
    default_region: str = "US",
    half_life_days: float = 90.0,
    progress: ProgressFn | None = None,
) -> ImportReport:
    """Import one FTC complaint file (reduced or official format, plain or gzip)."""
    started = time.perf_counter()
    report = ImportReport(filename=path.name, sha256=file_sha256(path))
    with uow:
        previous = uow.session.scalar(select(ImportRun).where(ImportRun.sha256 == report.sha256))
        if previous is not None:
            return _already(report, previous)

    rows, numbers = _read(path, report, default_region, progress)
    with uow:
        try:
            run = _store(uow, report, rows, numbers, progress, half_life_days)
            uow.note_change("numbers", "*")  # evidence for thousands of numbers moved
            report.seconds = run.seconds = round(time.perf_counter() - started, 3)
            uow.commit()
        except IntegrityError:
            # Another importer committed the same file between our check and now.
            uow.rollback()
            report.already_imported = True
            report.rows_imported = 0
    return report


def _already(report: ImportReport, run: ImportRun) -> ImportReport:
    report.already_imported = True
    report.file_format = run.file_format
    report.rows_total = run.rows_total
    return report


def _read(
    path: Path, report: ImportReport, default_region: str, progress: ProgressFn | None
) -> tuple[list[tuple[FtcRow, str]], dict[str, NormalizedNumber]]:
    size = path.stat().st_size
    usable: list[tuple[FtcRow, str]] = []
    numbers: dict[str, NormalizedNumber] = {}
    # Complaint files repeat numbers heavily; normalize each spelling once.
    seen: dict[str, tuple[NormalizedNumber | None, str | None]] = {}
    with open_text(path) as (text, raw):
        try:
            report.file_format, items = open_rows(text, path.name)
        except UnknownFormat as exc:
            raise ImportFailed(str(exc)) from None
        for count, item in enumerate(items, start=1):
            report.rows_total += 1
            if isinstance(item, BadRow):
                report.rejected_by_reason[item.reason] += 1
                continue
            result = seen.get(item.raw_number)
            if result is None:
                result = seen[item.raw_number] = classify_for_import(
                    item.raw_number, default_region
                )
            number, reason = result
            if number is None or number.e164 is None:
                report.rejected_by_reason[reason or "unusable"] += 1
                continue
            numbers[number.e164] = number
            usable.append((item, number.e164))
            if progress and count % 10_000 == 0:
                progress("read", raw.tell(), size)
    if progress:
        progress("read", size, size)
    return usable, numbers


def _store(
    uow: UnitOfWork,
    report: ImportReport,
    rows: list[tuple[FtcRow, str]],
    numbers: dict[str, NormalizedNumber],
    progress: ProgressFn | None,
    half_life_days: float,
) -> ImportRun:
    session = uow.session
    allow_long_statements(session)
    run = ImportRun(
        source=SOURCE,
        filename=report.filename[:255],
        sha256=report.sha256,
        file_format=report.file_format,
        rows_total=report.rows_total,
        rows_imported=0,
        rows_duplicate=0,
        rows_rejected=report.rows_rejected,
        rejected_by_reason=dict(report.rejected_by_reason),
        seconds=0.0,
    )
    session.add(run)
    session.flush()
    _insert_numbers(uow, numbers)
    if progress:
        progress("write", 0, len(rows))
    staged = [
        (e164, row.file_date, row.seq, row.batch, row.created_on, row.subject, row.robocall)
        for row, e164 in rows
    ]
    fill_staging_table(session, "staged_complaints", STAGED_SHAPE, STAGED_COLUMNS, staged)
    session.execute(
        text(
            "INSERT INTO complaints (number_id, source, file_date, seq, batch, created_on,"
            " subject, robocall, import_run_id)"
            " SELECT p.id, :source, s.file_date, s.seq, s.batch, s.created_on, s.subject,"
            " s.robocall, :run_id FROM staged_complaints s JOIN phone_numbers p ON p.e164 = s.e164"
            # SQLite needs a WHERE to tell the upsert's ON from a join's ON.
            " WHERE true ON CONFLICT DO NOTHING"
        ),
        {"source": SOURCE, "run_id": run.id},
    )
    session.execute(text("DROP TABLE staged_complaints"))
    if progress:
        progress("write", len(rows), len(rows))

    _fold_into_reputation(uow, run.id, numbers, half_life_days)

    imported = session.scalar(
        select(func.count()).select_from(Complaint).where(Complaint.import_run_id == run.id)
    )
    report.rows_imported = int(imported or 0)
    report.rows_duplicate = len(rows) - report.rows_imported
    run.rows_imported = report.rows_imported
    run.rows_duplicate = report.rows_duplicate
    return run


def _insert_numbers(uow: UnitOfWork, numbers: dict[str, NormalizedNumber]) -> None:
    """Insert the numbers we have not seen yet."""
    now = utcnow()
    values = [
        (e164, n.country_code or 0, n.region, n.number_type.value, n.is_valid, now)
        for e164, n in numbers.items()
    ]
    fill_staging_table(
        uow.session, "staged_numbers", "SELECT * FROM phone_numbers", NUMBER_COLUMNS, values
    )
    columns = ", ".join(NUMBER_COLUMNS)
    uow.session.execute(
        text(
            f"INSERT INTO phone_numbers ({columns}) SELECT {columns} FROM staged_numbers"  # noqa: S608 - our constants
            " WHERE true ON CONFLICT DO NOTHING"
        )
    )
    uow.session.execute(text("DROP TABLE staged_numbers"))


def _fold_into_reputation(
    uow: UnitOfWork, run_id: int, numbers: dict[str, NormalizedNumber], half_life_days: float
) -> None:
    """Count the complaints this run really added (not duplicates) into reputation."""
    per_day = uow.session.execute(
        select(PhoneNumber.e164, Complaint.file_date, func.count())
        .join(PhoneNumber, PhoneNumber.id == Complaint.number_id)
        .where(Complaint.import_run_id == run_id)
        .group_by(PhoneNumber.e164, Complaint.file_date)
    )
    add_complaints(
        uow.session,
        ((numbers[e164], day, n) for e164, day, n in per_day),
        now_epoch=utcnow().timestamp(),
        half_life_days=half_life_days,
    )
