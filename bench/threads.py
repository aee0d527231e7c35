"""CPU per call of the call routes with one thread, then with gunicorn's eight, same run.

gunicorn runs each worker with PEPPER_THREADS (8) threads. Python runs one of them at a
time, so eight threads should cost no more CPU per call than one; a lock taken on every
call breaks that (a lock convoy: pepper/tally.py tells how). This measures it without
the noise of a shared machine's HTTP load: the app is called in-process as a WSGI
application, warmed up, then timed with one thread and with eight, in the same run, on
PostgreSQL + Redis with PROMETHEUS_MULTIPROC_DIR set as under gunicorn. The ratio of
the two CPU times per call is the figure: 1.0 means the threads cost nothing.

    .venv/bin/python -m bench.threads [--route twilio|screen] [--calls 12000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder

from bench.wrk import NO_LIMITS, machine

RESULTS = Path(__file__).parent / "results"
THREADS = 8
Environ = dict[str, Any]
Call = tuple[str, bytes, str, dict[str, str]]  # path, body, content type, headers


def environ(call: Call) -> tuple[Environ, bytes]:
    """The call's WSGI environ, built once by werkzeug, and its body (each call reads a
    fresh copy of it: building the environ on every call would be timed with the app)."""
    path, body, content_type, headers = call
    builder = EnvironBuilder(
        path, base_url="http://127.0.0.1:8000", method="POST", data=body,
        content_type=content_type, headers=headers,
    )  # fmt: skip
    try:
        return builder.get_environ(), body
    finally:
        builder.close()


@contextmanager
def twilio_calls() -> Iterator[tuple[dict[str, str], list[Call]]]:
    from bench.twilio_load import seed, signed_requests
    from pepper.db import migrations
    from tests.support.services import postgres_database, redis_prefix
    from tests.support.twilio import TOKEN

    public = "https://pepper.bench.invalid"
    with postgres_database("bench_threads") as url, redis_prefix() as (redis_url, prefix):
        migrations.upgrade(url)
        seed(url)
        env = {
            "PEPPER_DATABASE_URL": url, "PEPPER_REDIS_URL": redis_url,
            "PEPPER_REDIS_PREFIX": prefix, "PEPPER_TWILIO_AUTH_TOKEN": TOKEN,
            "PEPPER_PUBLIC_BASE_URL": public,
        }  # fmt: skip
        form = "application/x-www-form-urlencoded"
        calls: list[Call] = []
        for line in signed_requests(public):
            signature, body = line.split("\t")
            calls.append(("/twilio/voice", body.encode(), form, {"X-Twilio-Signature": signature}))
        yield env, calls


@contextmanager
def screen_calls() -> Iterator[tuple[dict[str, str], list[Call]]]:
    from bench.screen_load import screen_setup

    with screen_setup() as (env, lua_env):
        token = lua_env["PEPPER_BENCH_TOKEN"]
        numbers = Path(lua_env["PEPPER_BENCH_NUMBERS"]).read_text().split()
        headers = {"Authorization": f"Bearer {token}"}
        calls: list[Call] = [
            ("/v1/screen", json.dumps({"number": n}).encode(), "application/json", headers)
            for n in numbers
        ]
        yield env, calls


def cpu_per_call(app: Any, calls: list[Call], total: int, threads: int) -> float:
    """Process CPU seconds per call, ``total`` calls spread over ``threads`` threads."""

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        if not status.startswith("200"):
            raise RuntimeError(f"the benchmark's call was answered {status}")

    prepared = [environ(call) for call in calls]

    def work(offset: int, count: int) -> None:
        for n in range(offset, offset + count):
            template, body = prepared[n % len(prepared)]
            for _ in app({**template, "wsgi.input": io.BytesIO(body)}, start_response):
                pass

    each = total // threads
    workers = [threading.Thread(target=work, args=(i * each, each)) for i in range(threads)]
    started = time.process_time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return (time.process_time() - started) / (each * threads)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--route", choices=("twilio", "screen"), default="twilio")
    parser.add_argument("--calls", type=int, default=12_000)
    args = parser.parse_args()
    # As under gunicorn (gunicorn.conf.py): prometheus_client picks its value class by
    # this at import, so it is set before Pepper is imported.
    metrics_dir = tempfile.mkdtemp(prefix="pepper-bench-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    setup = twilio_calls if args.route == "twilio" else screen_calls
    with setup() as (env, calls):
        os.environ.update({**env, **NO_LIMITS, "PEPPER_LOG_LEVEL": "ERROR"})
        from pepper import create_app
        from pepper.runtime import EXTENSION_KEY

        app = create_app()
        try:
            cpu_per_call(app, calls, args.calls, THREADS)  # warm: caches, pools, threads
            one = cpu_per_call(app, calls, args.calls, 1)
            many = cpu_per_call(app, calls, args.calls, THREADS)
        finally:
            app.extensions[EXTENSION_KEY].close()
    results = {
        "route": args.route, "calls": args.calls, "one_thread_us": round(one * 1e6, 1),
        f"{THREADS}_threads_us": round(many * 1e6, 1), "ratio": round(many / one, 2),
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
    }  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"threads_{args.route}.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"| route | 1 thread µs CPU/call | {THREADS} threads µs CPU/call | ratio |")
    print("|---|---|---|---|")
    print(f"| {args.route} | {one * 1e6:.0f} | {many * 1e6:.0f} | {many / one:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
