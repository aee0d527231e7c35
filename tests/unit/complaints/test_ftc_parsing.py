import io
from datetime import date

import pytest

from pepper.complaints.ftc import BadRow, FtcRow, UnknownFormat, open_rows

OFFICIAL_HEADER = (
    "Company_Phone_Number,Created_Date,Violation_Date,Consumer_City,Consumer_State,"
    "Consumer_Area_Code,Subject,Recorded_Message_Or_Robocall\n"
)


def rows(text: str, filename: str = "x.csv") -> tuple[str, list[FtcRow | BadRow]]:
    file_format, items = open_rows(io.StringIO(text), filename)
    return file_format, list(items)


def test_reduced_rows_are_numbered_within_their_file_date() -> None:
    fmt, items = rows(
        "file_date,batch,number\n"
        "2025-10-28,backfill,4155550100\n"
        "2025-11-14,daily,4155550101\n"
        "2025-11-14,daily,4155550102\n"
    )
    assert fmt == "reduced"
    assert [(r.file_date, r.seq, r.batch) for r in items if isinstance(r, FtcRow)] == [
        (date(2025, 10, 28), 1, "backfill"),
        (date(2025, 11, 14), 1, "daily"),
        (date(2025, 11, 14), 2, "daily"),
    ]


def test_official_rows_take_the_file_date_from_the_daily_file_name() -> None:
    fmt, items = rows(
        OFFICIAL_HEADER
        + '4155550100,2025-11-13 09:15:02,2025-11-12,Austin,Texas,512,"Debt reduction",Y\n'
        + "8005550101,11/13/2025 10:00:00 AM,,Reno,Nevada,775,,N\n",
        "DNC_Complaint_Numbers_2025-11-14.csv",
    )
    assert fmt == "official"
    first, second = items
    assert isinstance(first, FtcRow)
    assert isinstance(second, FtcRow)
    assert (first.file_date, first.seq, first.subject, first.robocall) == (
        date(2025, 11, 14),
        1,
        "Debt reduction",
        True,
    )
    assert first.created_on == date(2025, 11, 13)
    assert (second.seq, second.subject, second.robocall) == (2, None, False)


def test_official_rows_without_a_dated_file_name_use_the_created_date() -> None:
    _, items = rows(OFFICIAL_HEADER + "4155550100,2025-11-13 09:15:02,,,,,,\n", "export.csv")
    (row,) = items
    assert isinstance(row, FtcRow)
    assert row.file_date == date(2025, 11, 13)


def test_bad_rows_are_reported_with_a_reason_and_reading_goes_on() -> None:
    _, items = rows(
        "file_date,batch,number\n"
        "2025-10-28,backfill\n"
        "yesterday,daily,4155550100\n"
        "2025-11-14,daily,4155550101\n"
    )
    assert [(type(i).__name__, getattr(i, "reason", None)) for i in items] == [
        ("BadRow", "malformed_row"),
        ("BadRow", "bad_date"),
        ("FtcRow", None),
    ]


@pytest.mark.parametrize("text", ["", "name,phone\nBob,4155550100\n"])
def test_a_file_in_neither_format_is_refused_before_any_row(text: str) -> None:
    with pytest.raises(UnknownFormat):
        open_rows(io.StringIO(text), "x.csv")
