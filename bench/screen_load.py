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
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from pepper import create_app
from pepper.complaints.importer import import_ftc
from pepper.db import migrations
from pepper.runtime import runtime
from pepper.settings import Settings
from tests.conftest import FTC_FILE
from tests.support.factories import age_devices, device_body
from tests.support.server import REPO, free_port, wait_until_live
from tests.support.services import postgres_database, redis_prefix

BENCH = Path(__file__).parent
RESULTS = BENCH / "results" / "screen_load.json"
GUNICORN = Path(sys.executable).with_name("gunicorn")
NO_LIMITS = {
    "PEPPER_RATE_LIMIT_SCREEN": "1000000/minute",
    "PEPPER_RATE_LIMIT_DEFAULT": "1000000/minute",
    "PEPPER_RATE_LIMIT_PER_IP": "1000000/minute",
}


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


def serve(app_path: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", app_path],
        cwd=REPO,
        env={**os.environ, **env, "PEPPER_BIND": f"127.0.0.1:{port}",
             "PEPPER_ACCESS_LOG": "/dev/null", "PEPPER_LOG_LEVEL": "ERROR"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    wait_until_live(base, process) if app_path == "wsgi:app" else time.sleep(2)
    return process, base


def wrk(base: str, seconds: int, env: dict[str, str]) -> dict[str, float]:
    output = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", str(BENCH / "screen.lua"), base],
        capture_output=True, text=True, check=True, env={**os.environ, **env},
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),  # type: ignore[union-attr]
        "errors": float(non_2xx.group(1)) if non_2xx else 0.0,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    seconds = parser.parse_args().seconds
    with postgres_database("bench") as url, redis_prefix() as (redis_url, prefix):
        migrations.upgrade(url)
        token, numbers = seed(url, redis_url, prefix)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write("\n".join(numbers) + "\n")
        lua_env = {"PEPPER_BENCH_TOKEN": token, "PEPPER_BENCH_NUMBERS": handle.name}
        env = {"PEPPER_DATABASE_URL": url, "PEPPER_REDIS_URL": redis_url,
               "PEPPER_REDIS_PREFIX": prefix, **NO_LIMITS}  # fmt: skip
        results: dict[str, Any] = {}
        for name, app_path in [("bare", "bench.bare_app:app"), ("pepper", "wsgi:app")]:
            process, base = serve(app_path, env)
            try:
                wrk(base, 2, lua_env)  # warm-up: connections, caches, JIT-free but fair
                results[name] = wrk(base, seconds, lua_env)
            finally:
                process.terminate()
                process.wait(timeout=30)
        os.unlink(handle.name)
    results["ratio"] = round(results["pepper"]["rps"] / results["bare"]["rps"], 3)
    results["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["machine"] = (
        f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print("| endpoint | req/s | p50 ms | p99 ms | non-2xx |")
    print("|---|---|---|---|---|")
    for name in ("bare", "pepper"):
        r = results[name]
        print(
            f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f}"
            f" | {r['errors']:.0f} |"
        )
    print(f"throughput ratio pepper/bare: {results['ratio']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
