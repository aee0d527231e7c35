"""A database that hangs must not hold up the requests that do not wait for it.

Found by the cluster run (bench/cluster_scenario.py): with one request per gunicorn
process, PostgreSQL made 100 ms slower (or unreachable) left every process waiting on
a query, so decisions that fail open after 300 ms waited seconds in the queue and the
load balancer's health checks timed out on every instance at once (haproxy answered
503 itself). The shipped gunicorn.conf.py must keep answering /livez and /v1/screen
while other requests are stuck on the database (threads, and the database bulkhead in
pepper/db/bulkhead.py that keeps two of them free).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from tests.support.blackhole import blackhole
from tests.support.server import gunicorn


def call(url: str, body: dict[str, str] | None = None) -> tuple[int, float, dict[str, object]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", "Bearer pep_simulated-device-token")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            status, payload = response.status, json.load(response)
    except urllib.error.HTTPError as error:
        status, payload = error.code, json.load(error)
    return status, time.monotonic() - started, payload


def test_liveness_and_decisions_answer_while_other_requests_wait_on_a_hung_database() -> None:
    with blackhole() as port:
        env = {
            # PostgreSQL accepts the connection and never answers: each request that
            # needs it waits out the connect timeout (3 s).
            "PEPPER_DATABASE_URL": f"postgresql+psycopg://pepper@127.0.0.1:{port}/pepper",
            "PEPPER_DB_CONNECT_TIMEOUT_S": "3",
        }
        # One process of 8 threads (the shipped default); more requests that need the
        # database than it has threads.
        with gunicorn(env, workers=1) as base, ThreadPoolExecutor(16) as pool:
            report = {"number": "+12025550143", "verdict": "spam"}
            stuck = [pool.submit(call, f"{base}/v1/reports", report) for _ in range(12)]
            time.sleep(0.5)  # they are now waiting on the database, or were refused
            live = pool.submit(call, f"{base}/livez").result()
            decision = pool.submit(call, f"{base}/v1/screen", {"number": "+12025550143"}).result()
            slow = [f.result() for f in stuck]

    assert live[0] == 200
    assert live[1] < 1.0, f"/livez waited {live[1]:.1f} s behind requests stuck on the database"
    assert decision[0] == 200
    assert decision[2]["degraded"] is True
    assert decision[1] < 1.5, f"/v1/screen took {decision[1]:.1f} s: its deadline is 300 ms"
    assert all(status == 503 for status, _, _ in slow)
    # All threads but two may wait on the database; the others are refused at once.
    waited = sorted(seconds for _, seconds, _ in slow)
    assert sum(1 for s in waited if s < 1.0) == 6, waited
    assert all(body["code"] == "database_unavailable" for _, _, body in slow)
