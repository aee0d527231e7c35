"""Load benchmark of POST /v1/screen against a bare Flask endpoint, in the same run.

Production path: gunicorn with the shipped configuration (gunicorn.conf.py: 2 × CPUs
+ 1 processes × 8 threads, PEPPER_WORKERS / PEPPER_THREADS to change it) with
PostgreSQL and Redis, a database holding the shared FTC complaints (when present)
plus reports from simulated devices. wrk drives 16 connections on the same 2 cores,
each request from the next of ``--devices`` registered devices about the next of 650
callers (reported, complained about, unknown).

    .venv/bin/python -m bench.screen_load [--seconds 15] [--devices 1] [--cold]

``--cold`` turns Pepper's per-process caches off (PEPPER_DEVICE_CACHE_SIZE and
PEPPER_NUMBER_CACHE_SIZE 0): every decision then reads the database, as the first call
of a device or a caller in a process does. Writes bench/results/screen_load.json (or
screen_load_cold.json) and prints a Markdown table.
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

from bench.wrk import NO_LIMITS, ROUND_S, compare, report
from pepper import create_app
from pepper.complaints.importer import import_ftc
from pepper.db import migrations
from pepper.runtime import runtime
from pepper.settings import Settings
from tests.conftest import FTC_FILE
from tests.support.factories import age_devices, device_body
from tests.support.services import postgres_database, redis_prefix

RESULTS = Path(__file__).parent / "results" / "screen_load.json"
COLD_RESULTS = Path(__file__).parent / "results" / "screen_load_cold.json"


def seed(url: str, redis_url: str, prefix: str, devices: int) -> tuple[list[str], list[str]]:
    """Device tokens and the caller numbers the load cycles through."""
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
        tokens = [
            client.post("/v1/devices", json=device_body()).json["token"]  # type: ignore[index]
            for _ in range(devices)
        ]
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
    return tokens, reported + complained + unknown


@contextmanager
def screen_setup(devices: int = 1) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """A seeded PostgreSQL + Redis for the screening load: (server env, wrk env)."""
    with postgres_database("bench") as url, redis_prefix() as (redis_url, prefix):
        migrations.upgrade(url)
        tokens, numbers = seed(url, redis_url, prefix, devices)
        files = []
        for lines in (numbers, tokens):
            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
                handle.write("\n".join(lines) + "\n")
            files.append(handle.name)
        try:
            env = {"PEPPER_DATABASE_URL": url, "PEPPER_REDIS_URL": redis_url,
                   "PEPPER_REDIS_PREFIX": prefix, **NO_LIMITS}  # fmt: skip
            yield (
                env,
                {
                    "PEPPER_BENCH_TOKEN": tokens[0],
                    "PEPPER_BENCH_NUMBERS": files[0],
                    "PEPPER_BENCH_TOKENS": files[1],
                },
            )
        finally:
            for name in files:
                os.unlink(name)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=ROUND_S)
    parser.add_argument("--devices", type=int, default=1)
    parser.add_argument("--cold", action="store_true", help="per-process caches off")
    args = parser.parse_args()
    with screen_setup(args.devices) as (env, lua_env):
        if args.cold:
            env.update(PEPPER_DEVICE_CACHE_SIZE="0", PEPPER_NUMBER_CACHE_SIZE="0")
        apps = [("bare", "bench.bare_app:app"), ("pepper", "wsgi:app")]
        results: dict[str, Any] = compare(apps, "screen.lua", args.seconds, env, lua_env)
    results["devices"], results["cold"] = args.devices, args.cold
    report(results, COLD_RESULTS if args.cold else RESULTS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
