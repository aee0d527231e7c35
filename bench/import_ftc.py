"""Benchmark: importing the shared FTC file into fresh SQLite and PostgreSQL databases.

Baselines measured in the same run: reading the file (gunzip + CSV) and reading plus
normalizing every number, so the storage cost can be read as a ratio.

    .venv/bin/python -m bench.import_ftc          # prints a Markdown table
"""

from __future__ import annotations

import csv
import json
import platform
import sys
import tempfile
import time
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from pepper.complaints.importer import import_ftc, open_text
from pepper.db import migrations
from pepper.numbers import InvalidNumber, normalize
from pepper.runtime import Runtime
from pepper.settings import Settings
from tests.conftest import FTC_FILE
from tests.support.services import postgres_database

RESULTS = Path(__file__).parent / "results" / "import_ftc.json"


def read_only() -> float:
    started = time.perf_counter()
    with open_text(FTC_FILE) as (text, _raw):
        for _ in csv.reader(text):
            pass
    return time.perf_counter() - started


def read_and_normalize() -> float:
    started = time.perf_counter()
    with open_text(FTC_FILE) as (text, _raw):
        reader = csv.reader(text)
        next(reader)
        for row in reader:
            with suppress(InvalidNumber):
                normalize(row[-1], "US")
    return time.perf_counter() - started


def timed_import(url: str) -> tuple[float, dict[str, object]]:
    migrations.upgrade(url)
    runtime = Runtime.build(Settings(env="test", database_url=url))
    try:
        started = time.perf_counter()
        report = import_ftc(runtime.uow(), FTC_FILE)
        seconds = time.perf_counter() - started
    finally:
        runtime.close()
    summary = {
        "rows_total": report.rows_total,
        "rows_imported": report.rows_imported,
        "rows_rejected": report.rows_rejected,
        "rejected_by_reason": dict(report.rejected_by_reason.most_common()),
    }
    return seconds, summary


def main() -> int:
    if not FTC_FILE.exists():
        print("the shared FTC file is absent; nothing to measure", file=sys.stderr)
        return 1
    read_s = read_only()
    normalize_s = read_and_normalize()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_s, summary = timed_import(f"sqlite:///{tmp}/bench.sqlite3")
    with postgres_database("bench") as url:
        postgres_s, _ = timed_import(url)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.python_version()}",
        "read_s": round(read_s, 2),
        "read_normalize_s": round(normalize_s, 2),
        "sqlite_import_s": round(sqlite_s, 2),
        "postgres_import_s": round(postgres_s, 2),
        **summary,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print("| step | seconds | × reading the file |")
    print("|---|---|---|")
    for name, key in [
        ("read (gunzip + CSV)", "read_s"),
        ("read + normalize every number", "read_normalize_s"),
        ("full import, SQLite", "sqlite_import_s"),
        ("full import, PostgreSQL", "postgres_import_s"),
    ]:
        value = float(result[key])  # type: ignore[arg-type]
        print(f"| {name} | {value:.2f} | {value / read_s:.1f}× |")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
