"""Importing FTC complaint files into either database."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from pepper.complaints.importer import import_ftc
from pepper.complaints.models import Complaint, ImportRun, PhoneNumber
from pepper.errors import ImportFailed
from pepper.runtime import Runtime
from tests.conftest import FTC_FILE

REDUCED = (
    "file_date,batch,number\n"
    "2025-10-28,backfill,4155550100\n"
    "2025-10-28,backfill,(415) 555-0100\n"
    "2025-11-14,daily,2025550143\n"
    "2025-11-14,daily,2991577\n"
    "2025-11-14,daily,\n"
    "2025-11-14,daily\n"
)
OFFICIAL = (
    "Company_Phone_Number,Created_Date,Violation_Date,Consumer_City,Consumer_State,"
    "Consumer_Area_Code,Subject,Recorded_Message_Or_Robocall\n"
    "2025550143,2025-11-13 09:15:02,2025-11-12,Austin,Texas,512,Medical,Y\n"
    "2025550199,2025-11-13 10:15:02,2025-11-12,Austin,Texas,512,Medical,N\n"
)


def write(path: Path, text: str, *, gz: bool = False) -> Path:
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def count(runtime: Runtime, model: type) -> int:
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_reduced_file_is_imported_with_rejections_counted_by_reason(
    runtime: Runtime, tmp_path: Path
) -> None:
    report = import_ftc(runtime.uow(), write(tmp_path / "c.csv.gz", REDUCED, gz=True))
    assert report.file_format == "reduced"
    assert report.rows_total == 6
    assert report.rows_imported == 3
    assert report.rows_rejected == 3
    assert report.rejected_by_reason["malformed_row"] == 1
    assert sum(report.rejected_by_reason.values()) == 3
    assert count(runtime, Complaint) == 3
    # Two spellings of one number are one number with two complaints.
    assert count(runtime, PhoneNumber) == 2


def test_importing_the_same_file_twice_changes_nothing(runtime: Runtime, tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", REDUCED)
    import_ftc(runtime.uow(), path)
    again = import_ftc(runtime.uow(), path)
    assert again.already_imported
    assert count(runtime, Complaint) == 3
    assert count(runtime, ImportRun) == 1


def test_the_same_complaints_from_the_official_format_are_not_stored_twice(
    runtime: Runtime, tmp_path: Path
) -> None:
    reduced = "file_date,batch,number\n2025-11-14,daily,2025550143\n"
    import_ftc(runtime.uow(), write(tmp_path / "reduced.csv", reduced))
    report = import_ftc(
        runtime.uow(), write(tmp_path / "DNC_Complaint_Numbers_2025-11-14.csv", OFFICIAL)
    )
    assert (report.rows_imported, report.rows_duplicate) == (1, 1)
    assert count(runtime, Complaint) == 2
    with runtime.uow() as uow:
        subjects = uow.session.scalars(select(Complaint.subject).order_by(Complaint.seq)).all()
    assert subjects == [None, "Medical"]


def test_a_file_in_an_unknown_format_is_refused_and_stores_nothing(
    runtime: Runtime, tmp_path: Path
) -> None:
    with pytest.raises(ImportFailed):
        import_ftc(runtime.uow(), write(tmp_path / "c.csv", "name,phone\nBob,4155550100\n"))
    assert count(runtime, ImportRun) == 0
    assert count(runtime, Complaint) == 0


def test_a_failure_while_writing_leaves_no_half_imported_file(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pepper.complaints.importer as importer

    def fail_after_numbers(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_insert_numbers", fail_after_numbers)
    with pytest.raises(RuntimeError):
        import_ftc(runtime.uow(), write(tmp_path / "c.csv", REDUCED))
    assert count(runtime, ImportRun) == 0
    assert count(runtime, Complaint) == 0


def test_the_cli_imports_and_says_what_it_did(app: Flask, tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", REDUCED)
    result = app.test_cli_runner().invoke(args=["import", "ftc", str(path)])
    assert result.exit_code == 0, result.output
    assert "6 rows, 3 imported, 0 already present, 3 rejected" in result.output
    again = app.test_cli_runner().invoke(args=["import", "ftc", str(path)])
    assert "already imported" in again.output


@pytest.mark.slow
def test_the_shared_ftc_file_imports_whole(runtime: Runtime) -> None:
    # Its speed is measured by bench/import_ftc.py, not asserted here.
    if not FTC_FILE.exists():
        pytest.skip("../shared FTC data is absent")
    report = import_ftc(runtime.uow(), FTC_FILE)
    assert report.rows_total == 287_592
    assert report.rows_imported + report.rows_rejected == report.rows_total
    assert report.rows_imported > 280_000
    assert count(runtime, Complaint) == report.rows_imported


def test_imported_complaints_become_number_and_range_evidence(
    runtime: Runtime, tmp_path: Path
) -> None:
    from pepper.reputation.models import ReputationCounter

    import_ftc(runtime.uow(), write(tmp_path / "c.csv", REDUCED))
    with runtime.uow() as uow:
        counters = {r.key: r.complaint_n for r in uow.session.scalars(select(ReputationCounter))}
    assert counters["n:+14155550100"] == 2
    assert counters["n:+12025550143"] == 1
    assert counters["r:+1:415555"] == 2
    assert counters["r:+1:202555"] == 1
    # The same complaints in another file (other bytes) add nothing to reputation.
    import_ftc(runtime.uow(), write(tmp_path / "again.csv", REDUCED + "\n"))
    with runtime.uow() as uow:
        row = uow.session.get_one(ReputationCounter, "n:+12025550143")
        assert row.complaint_n == 1
