"""Load benchmark of POST /v1/screen against a bare Flask endpoint, in the same run.

Production path: gunicorn with the shipped configuration (gunicorn.conf.py: 2 × CPUs
+ 1 sync workers, PEPPER_WORKERS / PEPPER_THREADS to change it) with
PostgreSQL and Redis, a database holding the shared FTC complaints (when present)
plus reports from simulated devices. wrk drives 16 connections on the same 2 cores.

    .venv/bin/python -m bench.screen_load [--seconds 10]

Writes bench/results/screen_load.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from bench.wrk import NO_LIMITS, compare, report
from pepper import create_app
from pepper.complaints.importer import import_ftc
from pepper.db import migrations
from pepper.runtime import runtime
from pepper.settings import Settings
from tests.conftest import FTC_FILE
from tests.support.factories import age_devices, device_body
from tests.support.services import postgres_database, redis_prefix

RESULTS = Path(__file__).parent / "results" / "screen_load.json"


def seed(url: str, redis_url: str, prefix: str) -> tuple[str, list[str]]:
    """A device token and the caller numbers the load cycles through."""
    settings = Settings(
        env="test", database_url=url, redis_url=redis_url, redis_prefix=prefix,
        rate_limit_register="100000/hour", rate_limit_reports="100000/hour",
    )  # fmt: skip
    app = create_app(settings)
    client: FlaskClient = app.test_client()
    with app.app_context():
        rt = runtime()
        if FTC_FILE.exists():
            import_ftc(rt.uow(), FTC_FILE)
        token = client.post("/v1/devices", json=device_body()).json["token"]  # type: ignore[index]
        reporters = [
            client.post("/v1/devices", json=device_body()).json["token"]  # type: ignore[index]
            for _ in range(20)
        ]
        with rt.uow() as uow:
            age_devices(uow, 60)
        reported = [f"+1202555{n:04d}" for n in range(50)]
        for i, number in enumerate(reported):
            for reporter in reporters[: 1 + i % 6]:
                client.post(
                    "/v1/reports",
                    json={"number": number, "verdict": "spam", "category": "fraud"},
                    headers={"Authorization": f"Bearer {reporter}"},
                )
        rt.close()
    complained = []
    if FTC_FILE.exists():
        import gzip

        with gzip.open(FTC_FILE, "rt") as lines:
            next(lines)
            rows = zip(range(400), lines, strict=False)
            complained = [line.rsplit(",", 1)[1].strip() for _, line in rows]
    unknown = [f"+1312555{n:04d}" for n in range(200)]
    return token, reported + complained + unknown


@contextmanager
def screen_setup() -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """A seeded PostgreSQL + Redis for the screening load: (server env, wrk env)."""
    with postgres_database("bench") as url, redis_prefix() as (redis_url, prefix):
        migrations.upgrade(url)
        token, numbers = seed(url, redis_url, prefix)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write("\n".join(numbers) + "\n")
        try:
            env = {"PEPPER_DATABASE_URL": url, "PEPPER_REDIS_URL": redis_url,
                   "PEPPER_REDIS_PREFIX": prefix, **NO_LIMITS}  # fmt: skip
            yield env, {"PEPPER_BENCH_TOKEN": token, "PEPPER_BENCH_NUMBERS": handle.name}
        finally:
            os.unlink(handle.name)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    seconds = parser.parse_args().seconds
    with screen_setup() as (env, lua_env):
        apps = [("bare", "bench.bare_app:app"), ("pepper", "wsgi:app")]
        results: dict[str, Any] = compare(apps, "screen.lua", seconds, env, lua_env)
    report(results, RESULTS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
