"""Counts handed to prometheus_client by one thread: none lost, none doubled, soon written."""

from __future__ import annotations

import threading
import time

from prometheus_client import CollectorRegistry, Counter, Histogram

from pepper.tally import Tally


def metrics() -> tuple[CollectorRegistry, Counter, Counter, Histogram]:
    registry = CollectorRegistry()
    calls = Counter("calls_total", "calls", ["outcome"], registry=registry)
    plain = Counter("plain_total", "no labels", registry=registry)
    seconds = Histogram("seconds", "latency", ["route"], buckets=(0.1, 1.0), registry=registry)
    return registry, calls, plain, seconds


def test_counts_from_many_threads_are_all_written_once_at_a_flush() -> None:
    registry, calls, plain, seconds = metrics()
    tally = Tally(flush_s=3600)  # only the explicit flush writes

    def count() -> None:
        for n in range(5_000):
            tally.inc(calls, "allow" if n % 5 else "block")
            tally.inc(plain, amount=2)
            tally.observe(seconds, "/v1/screen", value=0.05 if n % 2 else 0.5)

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert registry.get_sample_value("calls_total", {"outcome": "allow"}) is None  # not yet
    tally.flush()
    tally.flush()  # nothing left: no count twice
    assert registry.get_sample_value("calls_total", {"outcome": "allow"}) == 32_000
    assert registry.get_sample_value("calls_total", {"outcome": "block"}) == 8_000
    assert registry.get_sample_value("plain_total") == 80_000
    route = {"route": "/v1/screen"}
    assert registry.get_sample_value("seconds_count", route) == 40_000
    assert registry.get_sample_value("seconds_bucket", {**route, "le": "0.1"}) == 20_000


def test_the_process_thread_writes_counts_within_its_interval() -> None:
    registry, calls, _, _ = metrics()
    tally = Tally(flush_s=0.05)
    tally.inc(calls, "allow")
    deadline = time.monotonic() + 2
    while registry.get_sample_value("calls_total", {"outcome": "allow"}) is None:
        assert time.monotonic() < deadline, "never written"
        time.sleep(0.01)
    assert registry.get_sample_value("calls_total", {"outcome": "allow"}) == 1


def test_a_bad_label_set_loses_its_own_count_only() -> None:
    registry, calls, _, _ = metrics()
    tally = Tally(flush_s=0.05)
    tally.inc(calls, "allow", "one-label-too-many")
    tally.inc(calls, "block")
    deadline = time.monotonic() + 2
    while registry.get_sample_value("calls_total", {"outcome": "block"}) is None:
        assert time.monotonic() < deadline, "the thread stopped counting"
        time.sleep(0.01)
