"""Shared plumbing of the HTTP benchmarks: gunicorn processes and wrk runs."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.server import REPO, free_port, wait_until_live

BENCH = Path(__file__).parent
WARM_UP_S = 5
# Before each measured round, every app gets this much load again, unmeasured. Pepper
# keeps callers' evidence for PEPPER_NUMBER_CACHE_TTL_S (15 s) per process: waiting out
# the other app's round, every caller it had read expired, so each of its rounds began
# by reading all of them again: once per 10 s round, where continuous load reads a
# caller once per TTL and the time until it comes back (15-17 s), in a burst at the
# start of the round. Re-warmed, a round of at least the TTL meets what
# continuous load meets: each caller read once when its copy expires.
PRE_ROUND_S = 3
# A measured round, at least PEPPER_NUMBER_CACHE_TTL_S (15 s): it holds one expiry of
# each caller Pepper read, as continuous load does.
ROUND_S = 15
ROUNDS = 3
GUNICORN = Path(sys.executable).with_name("gunicorn")
NO_LIMITS = {
    "PEPPER_RATE_LIMIT_SCREEN": "1000000/minute",
    "PEPPER_RATE_LIMIT_DEFAULT": "1000000/minute",
    "PEPPER_RATE_LIMIT_PER_IP": "1000000/minute",
}


def machine() -> str:
    return f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}"


def serve(app_path: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn with the shipped gunicorn.conf.py serving ``app_path``."""
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
    if app_path == "wsgi:app":
        wait_until_live(base, process)
    else:
        time.sleep(2)
    return process, base


def run_wrk(base: str, script: str, seconds: int, env: dict[str, str]) -> dict[str, float]:
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", str(BENCH / script), base]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, env={**os.environ, **env}
    ).stdout
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


def compare(
    apps: list[tuple[str, str]], script: str, seconds: int, env: dict[str, str],
    lua_env: dict[str, str], rounds: int = ROUNDS,
) -> dict[str, Any]:  # fmt: skip
    """Serve every app at once, warm each up, then load them in turn, ``rounds`` times.

    The figures of each app are the medians of its rounds, each measured after a short
    unmeasured load of its own (``PRE_ROUND_S``). This machine's speed drifts
    by tens of percent within minutes (a shared VM): one run of each, one after the
    other, gave ratios from 0.17 to 0.50 for unchanged code. Alternating short runs
    makes both apps meet the same drift, and the median drops a round that met a burst.
    The server waiting its turn costs nothing measurable (0.02 CPU while idle).
    """
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian's package)")
    servers: list[tuple[str, subprocess.Popen[bytes], str]] = []
    runs: dict[str, list[dict[str, float]]] = {name: [] for name, _ in apps}
    try:
        for name, app_path in apps:
            servers.append((name, *serve(app_path, env)))
        for _, _, base in servers:
            # Warm-up, the same for all: connections, pools, and Pepper's per-process
            # caches (every process must meet each device and caller once). The figures
            # are of the steady state; bench.screen_load --cold measures the misses.
            run_wrk(base, script, WARM_UP_S, lua_env)
        for _ in range(rounds):
            for name, _, base in servers:
                run_wrk(base, script, PRE_ROUND_S, lua_env)
                runs[name].append(run_wrk(base, script, seconds, lua_env))
    finally:
        for _, process, _ in servers:
            process.terminate()
        for _, process, _ in servers:
            process.wait(timeout=30)
    results: dict[str, Any] = {
        name: {key: statistics.median(run[key] for run in done) for key in done[0]}
        for name, done in runs.items()
    }
    results["rounds"] = runs
    return results


def table(results: dict[str, dict[str, float]]) -> str:
    lines = ["| endpoint | req/s | p50 ms | p99 ms | non-2xx |", "|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f}"
            f" | {r['errors']:.0f} |"
        )
    return "\n".join(lines)


def report(results: dict[str, Any], path: Path) -> None:
    """Add the ratio, date and machine; write the JSON; print the table (medians of the
    rounds) and the ratio."""
    # Each round's pepper run against the bare run just before it: the pair met the
    # same machine.
    pairs = zip(results["rounds"]["bare"], results["rounds"]["pepper"], strict=True)
    ratios = [pepper["rps"] / bare["rps"] for bare, pepper in pairs]
    results["round_ratios"] = [round(ratio, 3) for ratio in ratios]
    results["ratio"] = round(statistics.median(ratios), 3)
    results["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["machine"] = machine()
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(table({"bare": results["bare"], "pepper": results["pepper"]}))
    print(
        f"throughput ratio pepper/bare: {results['ratio']:.2f} (median of rounds"
        f" {', '.join(f'{ratio:.2f}' for ratio in results['round_ratios'])})"
    )
