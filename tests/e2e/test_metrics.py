"""/metrics counts the whole service, not one worker (Prometheus multiprocess mode)."""

from __future__ import annotations

import re
import time
import urllib.request

from pepper.tally import FLUSH_S
from tests.e2e.test_production_path import call

REQUESTS = 40


def counted(metrics: str, route: str) -> float:
    pattern = (
        rf'pepper_request_seconds_count\{{[^}}]*route="{re.escape(route)}"[^}}]*\}} ([0-9.e+]+)'
    )
    return sum(float(m) for m in re.findall(pattern, metrics))


def scrape(server: str) -> str:
    with urllib.request.urlopen(f"{server}/metrics", timeout=5) as response:  # noqa: S310
        return response.read().decode()


def test_metrics_add_up_requests_spread_over_two_workers(server: str) -> None:
    time.sleep(FLUSH_S + 0.5)  # earlier requests (the start-up probes) all written
    before = counted(scrape(server), "/livez")
    for _ in range(REQUESTS):
        assert call("GET", f"{server}/livez")[0] == 200
    # A single worker's registry would hold only its share of the requests. Each worker
    # writes its counts within a second (pepper/tally.py); the scraped one at once.
    deadline = time.monotonic() + 5
    metrics = scrape(server)
    while counted(metrics, "/livez") - before < REQUESTS and time.monotonic() < deadline:
        time.sleep(0.2)
        metrics = scrape(server)
    assert counted(metrics, "/livez") - before == REQUESTS
    assert "pepper_model_swaps_total" in metrics
    # Each live worker says which model it serves: one series per pid, value 1.
    serving = re.findall(r'pepper_model_active\{pid="(\d+)",version="([^"]+)"\} 1\.0', metrics)
    assert serving
    assert len({pid for pid, _ in serving}) == len(serving)  # one version per process
    assert {version for _, version in serving} == {"reputation-v1"}  # no model installed


def test_every_response_carries_a_request_id_and_a_sane_one_is_kept(server: str) -> None:
    _, headers, _ = call("GET", f"{server}/livez", headers={"X-Request-ID": "abc123-trace-9"})
    assert headers["X-Request-ID"] == "abc123-trace-9"
    _, headers, _ = call("GET", f"{server}/livez", headers={"X-Request-ID": "+1 415 555 0123"})
    assert headers["X-Request-ID"] != "+1 415 555 0123"
    assert len(headers["X-Request-ID"]) == 32
