"""Counts from the call paths, handed to prometheus_client by one thread per process.

Every ``inc`` and ``observe`` of prometheus_client takes a lock: the metric's own in
``labels()``, and in multiprocess mode (gunicorn.conf.py) one lock per process for every
value it writes. Under gunicorn's threads a lock taken on every call is a lock convoy:
a thread that waited for the lock gets it while it does not hold the GIL, and the thread
holding the GIL soon needs the lock again and must hand over both. Measured on
``/twilio/voice`` (four such locks per call) by ``bench.threads``: 379 µs of CPU per
call with eight threads in one process, 198 µs with one (BENCHMARKS.md).

So the call paths only append to a deque (one atomic operation in C, no lock) and a
thread of the process writes what has gathered every ``FLUSH_S``, adding counts up
first, and a histogram's observations too: each bucket's count and the sum written
once. Replayed one ``observe`` at a time, a second's observations of a loaded process
(~700) held the GIL for 8 ms in one stretch, every second, which the calls in flight
wait out; per bucket, 3.2-3.6 ms. Metrics are then up to ``FLUSH_S`` late: ``/metrics``
flushes its own process before answering, and a worker flushes before it exits
(gunicorn.conf.py), so nothing counted is lost on a graceful stop.
"""

from __future__ import annotations

import logging
import threading
import time
from bisect import bisect_left
from collections import deque
from typing import Any

from prometheus_client import Counter, Histogram

from pepper.background import ProcessThread

log = logging.getLogger(__name__)
FLUSH_S = 1.0

# (metric, label values, amount); a Histogram's amount is one observation.
_Entry = tuple[Any, tuple[str, ...], float]


class Tally:
    def __init__(self, flush_s: float = FLUSH_S) -> None:
        self.flush_s = flush_s
        self._pending: deque[_Entry] = deque()
        self._flushing = threading.Lock()
        self._thread = ProcessThread(self._run, "pepper-tally")

    def inc(self, counter: Counter, *labels: str, amount: float = 1.0) -> None:
        self._pending.append((counter, labels, amount))
        self._thread.ensure()

    def observe(self, histogram: Histogram, *labels: str, value: float) -> None:
        self._pending.append((histogram, labels, value))
        self._thread.ensure()

    def flush(self) -> None:
        """Write everything appended so far to the metrics."""
        with self._flushing:  # the thread, /metrics and exit may flush at once
            counts: dict[tuple[Any, tuple[str, ...]], float] = {}
            observed: dict[tuple[Any, tuple[str, ...]], list[float]] = {}
            pending = self._pending
            while True:
                try:
                    metric, labels, amount = pending.popleft()
                except IndexError:
                    break
                key = (metric, labels)
                if isinstance(metric, Histogram):
                    observed.setdefault(key, []).append(amount)
                else:
                    counts[key] = counts.get(key, 0.0) + amount
            for (metric, labels), amount in counts.items():
                _write(metric, labels, amount)
            for (metric, labels), values in observed.items():
                _observe_all(metric, labels, values)

    def _run(self) -> None:  # a daemon thread: it ends with its process
        while True:
            time.sleep(self.flush_s)
            self.flush()


def _write(metric: Any, labels: tuple[str, ...], amount: float) -> None:
    try:
        child = metric.labels(*labels) if labels else metric
        child.inc(amount)
    except Exception:  # a bug's bad label set loses its own count, not the others'
        log.exception("a count could not be written to %s", metric)


def _observe_all(metric: Histogram, labels: tuple[str, ...], values: list[float]) -> None:
    """What ``observe`` would have written for each value, one write per bucket.

    prometheus_client has no batch ``observe``: this writes its histogram's values (the
    sum, one per bucket) as ``observe`` does, and falls back to ``observe`` itself if a
    release keeps them otherwise (tests/unit/diagnostics/test_tally.py compares both).
    """
    try:
        child: Any = metric.labels(*labels) if labels else metric
        bounds = getattr(child, "_upper_bounds", None)
        buckets = getattr(child, "_buckets", None)
        total = getattr(child, "_sum", None)
        if bounds is None or buckets is None or total is None or len(buckets) != len(bounds):
            for value in values:
                child.observe(value)
            return
        per_bucket = [0] * len(bounds)
        for value in values:
            if value == value:  # observe puts a NaN in no bucket (but in the sum)
                per_bucket[bisect_left(bounds, value)] += 1  # the first bound >= value
        total.inc(sum(values))
        for bucket, count in zip(buckets, per_bucket, strict=True):
            if count:
                bucket.inc(count)
    except Exception:  # a bug's bad label set loses its own observations only
        log.exception("observations could not be written to %s", metric)


# One per process: every hot call path counts through it.
tally = Tally()
