"""Counts handed to prometheus_client by one thread: none lost, none doubled, soon written."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest
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


VALUES = [0.0, 0.05, 0.1, 0.1000001, 0.7, 1.0, 1.5, 1e9, float("inf"), -0.2] * 7


def histograms() -> tuple[CollectorRegistry, Histogram, Histogram]:
    registry = CollectorRegistry()
    buckets = (0.1, 1.0)
    batched = Histogram("batched", "latency", ["route"], buckets=buckets, registry=registry)
    single = Histogram("single", "latency", ["route"], buckets=buckets, registry=registry)
    return registry, batched, single


def samples(registry: CollectorRegistry, name: str) -> dict[tuple[str, str], float]:
    """Every sample of one histogram, keyed by suffix and bucket, without its timestamps."""
    found = {}
    for metric in registry.collect():
        if metric.name == name:
            for sample in metric.samples:
                if not sample.name.endswith("_created"):
                    key = (sample.name.removeprefix(name), sample.labels.get("le", ""))
                    found[key] = sample.value
    return found


def test_a_histograms_observations_are_written_as_observe_writes_them() -> None:
    registry, batched, single = histograms()
    tally = Tally(flush_s=3600)
    for value in VALUES:
        tally.observe(batched, "/twilio/voice", value=value)
        single.labels("/twilio/voice").observe(value)
    tally.flush()
    got, expected = samples(registry, "batched"), samples(registry, "single")
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value), key
    assert got[("_bucket", "0.1")] == 4 * 7  # -0.2, 0.0, 0.05 and 0.1 (a bound is in its bucket)
    assert got[("_count", "")] == len(VALUES)


def test_a_nan_counts_in_no_bucket_as_with_observe() -> None:
    registry, batched, single = histograms()
    tally = Tally(flush_s=3600)
    for value in (float("nan"), 0.5):
        tally.observe(batched, "r", value=value)
        single.labels("r").observe(value)
    tally.flush()
    got, expected = samples(registry, "batched"), samples(registry, "single")
    assert {k: v for k, v in got.items() if k[0] != "_sum"} == {
        k: v for k, v in expected.items() if k[0] != "_sum"
    }


class _Opaque(Histogram):
    """A histogram whose children show nothing but ``observe`` (another release's)."""

    def labels(self, *values: Any, **labels: Any) -> Any:
        return SimpleNamespace(observe=super().labels(*values, **labels).observe)


def test_a_histogram_kept_otherwise_is_written_one_observation_at_a_time() -> None:
    registry = CollectorRegistry()
    opaque = _Opaque("opaque", "latency", ["route"], buckets=(0.1, 1.0), registry=registry)
    tally = Tally(flush_s=3600)
    for value in VALUES:
        tally.observe(opaque, "r", value=value)
    tally.flush()
    assert registry.get_sample_value("opaque_count", {"route": "r"}) == len(VALUES)
    assert registry.get_sample_value("opaque_bucket", {"route": "r", "le": "0.1"}) == 4 * 7
