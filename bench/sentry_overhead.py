"""Does a hung Sentry slow calls down? POST /v1/screen with no DSN, then with a DSN whose
port accepts connections and never answers, in the same run, on the same data.

While wrk loads /v1/screen, a second wrk posts field issues at a fixed rate (one every
EVENT_DELAY_MS on one connection, wrk's delay(): the same rate in both runs, so both
runs do the same work but for Sentry), each of which becomes a Sentry event, so
sentry-sdk's queue and transport are busy (and stuck) during the measured load. The
two configurations alternate, ROUNDS times each, and the medians are compared, so a
drift of the shared machine does not land on one side.

    .venv/bin/python -m bench.sentry_overhead [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench.screen_load import screen_setup
from bench.wrk import BENCH, machine, run_wrk, serve, table
from tests.support.blackhole import blackhole

RESULTS = Path(__file__).parent / "results" / "sentry_overhead.json"
EVENT_DELAY_MS = 20  # at most 50 events per second
ROUNDS = 3


def measure(env: dict[str, str], lua_env: dict[str, str], seconds: int) -> dict[str, float]:
    process, base = serve("wsgi:app", env)
    try:
        run_wrk(base, "screen.lua", 2, lua_env)
        events = subprocess.Popen(
            ["wrk", "-t1", "-c1", f"-d{seconds + 2}s", "-s", str(BENCH / "field_issue.lua"), base],
            env={**os.environ, **lua_env, "PEPPER_BENCH_EVENT_DELAY_MS": str(EVENT_DELAY_MS)},
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            result = run_wrk(base, "screen.lua", seconds, lua_env)
        finally:
            output, _ = events.communicate(timeout=seconds + 30)
        sent = re.search(r"(\d+) requests in ([\d.]+)s", output)
        result["events_per_s"] = (
            round(int(sent.group(1)) / float(sent.group(2)), 1) if sent else float("nan")
        )
        return result
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    seconds = parser.parse_args().seconds
    with screen_setup() as (env, lua_env):
        env = {**env, "PEPPER_RATE_LIMIT_FIELD_ISSUES": "1000000/hour"}
        runs: dict[str, list[dict[str, float]]] = {"no_sentry": [], "hung_sentry": []}
        with blackhole() as port:
            hung = {**env, "PEPPER_SENTRY_DSN": f"http://key@127.0.0.1:{port}/1"}
            for _ in range(ROUNDS):
                runs["no_sentry"].append(measure(env, lua_env, seconds))
                runs["hung_sentry"].append(measure(hung, lua_env, seconds))
    results = {
        name: {key: statistics.median(run[key] for run in rounds) for key in rounds[0]}
        for name, rounds in runs.items()
    }
    ratio = results["hung_sentry"]["p50_ms"] / results["no_sentry"]["p50_ms"]
    out = {
        **results,
        "runs": runs,
        "event_delay_ms": EVENT_DELAY_MS,
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
