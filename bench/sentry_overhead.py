"""Does a hung Sentry slow calls down? POST /v1/screen with no DSN, then with a DSN whose
port accepts connections and never answers, in the same run, on the same data.

While wrk loads /v1/screen, a second wrk posts field issues on one connection, each of
which becomes a Sentry event, so sentry-sdk's queue and transport are busy (and stuck)
during the measured load.

    .venv/bin/python -m bench.sentry_overhead [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench.screen_load import screen_setup
from bench.wrk import BENCH, machine, run_wrk, serve, table
from tests.support.blackhole import blackhole

RESULTS = Path(__file__).parent / "results" / "sentry_overhead.json"


def measure(env: dict[str, str], lua_env: dict[str, str], seconds: int) -> dict[str, float]:
    process, base = serve("wsgi:app", env)
    try:
        run_wrk(base, "screen.lua", 2, lua_env)
        events = subprocess.Popen(
            ["wrk", "-t1", "-c1", f"-d{seconds + 2}s", "-s", str(BENCH / "field_issue.lua"), base],
            env={**os.environ, **lua_env},
            stdout=subprocess.DEVNULL,
        )
        try:
            return run_wrk(base, "screen.lua", seconds, lua_env)
        finally:
            events.wait(timeout=seconds + 30)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    seconds = parser.parse_args().seconds
    with screen_setup() as (env, lua_env):
        env = {**env, "PEPPER_RATE_LIMIT_FIELD_ISSUES": "1000000/hour"}
        results = {"no_sentry": measure(env, lua_env, seconds)}
        with blackhole() as port:
            hung = {**env, "PEPPER_SENTRY_DSN": f"http://key@127.0.0.1:{port}/1"}
            results["hung_sentry"] = measure(hung, lua_env, seconds)
    ratio = results["hung_sentry"]["p50_ms"] / results["no_sentry"]["p50_ms"]
    out = {
        **results,
        "p50_ratio": round(ratio, 3),
        "p99_ratio": round(results["hung_sentry"]["p99_ms"] / results["no_sentry"]["p99_ms"], 3),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(table(results))
    print(f"p50 with a hung Sentry / without: {out['p50_ratio']:.2f}; p99: {out['p99_ratio']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
