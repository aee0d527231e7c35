"""Reading FTC Do-Not-Call complaint files: pure parsing, no storage.

Two formats are understood, told apart by their header:

* the reduced extract in ``shared/data/ftc-dnc`` — ``file_date,batch,number``;
* the FTC's official daily CSV — ``Company_Phone_Number, Created_Date, Violation_Date,
  Consumer_City, Consumer_State, Consumer_Area_Code, Subject,
  Recorded_Message_Or_Robocall``. Its file date comes from the file name
  (``DNC_Complaint_Numbers_YYYY-MM-DD.csv``), or, when the name carries no date, from
  each row's ``Created_Date``.

Each complaint gets ``seq``, its position among the rows of its file date, so the same
complaint read from either format has the same identity and is stored once.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

REDUCED_HEADER = ("file_date", "batch", "number")
OFFICIAL_HEADER = (
    "company_phone_number",
    "created_date",
    "violation_date",
    "consumer_city",
    "consumer_state",
    "consumer_area_code",
    "subject",
    "recorded_message_or_robocall",
)
_FILENAME_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
)
_YES = {"y", "yes", "true", "1"}
_NO = {"n", "no", "false", "0"}
MAX_SUBJECT = 120


class UnknownFormat(ValueError):
    """The header is neither FTC format."""


@dataclass(frozen=True, slots=True)
class FtcRow:
    line: int
    file_date: date
    seq: int
    batch: str
    raw_number: str
    created_on: date | None = None
    subject: str | None = None
    robocall: bool | None = None


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    reason: str


@lru_cache(maxsize=4096)
def parse_date(text: str) -> date | None:
    # Cached: a file holds a few distinct dates repeated on every row.
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _yes_no(text: str) -> bool | None:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    return None


def detect_format(header: list[str]) -> str:
    names = tuple(h.strip().lstrip("\ufeff").lower() for h in header)
    if names[: len(REDUCED_HEADER)] == REDUCED_HEADER:
        return "reduced"
    if set(OFFICIAL_HEADER) <= set(names):
        return "official"
    raise UnknownFormat("header matches neither the reduced nor the official FTC format")


def open_rows(lines: Iterable[str], filename: str) -> tuple[str, Iterator[FtcRow | BadRow]]:
    """The file's format and its rows: one FtcRow or BadRow per data line.

    Raises UnknownFormat for a file that is neither format (an empty one included);
    a bad data row is yielded as a BadRow, never raised.
    """
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise UnknownFormat("the file is empty")
    file_format = detect_format(header)
    if file_format == "reduced":
        return file_format, _reduced_rows(reader)
    columns = {h.strip().lstrip("\ufeff").lower(): i for i, h in enumerate(header)}
    return file_format, _official_rows(reader, columns, _FILENAME_DATE.search(filename))


def _next_seq(counters: dict[date, int], file_date: date) -> int:
    seq = counters.get(file_date, 0) + 1
    counters[file_date] = seq
    return seq


def _reduced_rows(reader: Iterator[list[str]]) -> Iterator[FtcRow | BadRow]:
    counters: dict[date, int] = {}
    for record in reader:
        line = reader.line_num  # type: ignore[attr-defined]
        if len(record) != len(REDUCED_HEADER):
            yield BadRow(line, "malformed_row")
            continue
        file_date = parse_date(record[0])
        if file_date is None:
            yield BadRow(line, "bad_date")
            continue
        batch = record[1].strip().lower() or "daily"
        seq = _next_seq(counters, file_date)
        yield FtcRow(line=line, file_date=file_date, seq=seq, batch=batch, raw_number=record[2])


def _official_rows(
    reader: Iterator[list[str]], columns: dict[str, int], name_date: re.Match[str] | None
) -> Iterator[FtcRow | BadRow]:
    counters: dict[date, int] = {}
    fixed_date = parse_date(name_date.group(1)) if name_date else None
    width = len(columns)
    for record in reader:
        line = reader.line_num  # type: ignore[attr-defined]
        if len(record) != width:
            yield BadRow(line, "malformed_row")
            continue
        created_on = parse_date(record[columns["created_date"]])
        file_date = fixed_date or created_on
        if file_date is None:
            yield BadRow(line, "bad_date")
            continue
        subject = record[columns["subject"]].strip()[:MAX_SUBJECT] or None
        yield FtcRow(
            line=line,
            file_date=file_date,
            seq=_next_seq(counters, file_date),
            batch="daily",
            raw_number=record[columns["company_phone_number"]],
            created_on=created_on,
            subject=subject,
            robocall=_yes_no(record[columns["recorded_message_or_robocall"]]),
        )
