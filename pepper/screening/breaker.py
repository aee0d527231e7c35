"""A circuit breaker for the decision's dependencies.

After ``failures`` consecutive failures (errors or missed deadlines) the breaker opens
and the decision skips its lookups for ``reset_s`` seconds, so a dead database costs
~0 ms per call instead of a timeout each; then one trial call is let through.
Hand-written because the failure we count most, a deadline missed by a worker thread,
happens outside any call a wrapping breaker library could see.
"""

from __future__ import annotations

import threading
import time


class Breaker:
    def __init__(self, failures: int, reset_s: float) -> None:
        self._threshold = failures
        self._reset_s = reset_s
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """May a call go through now? (Half-open: one trial at a time.)"""
        with self._lock:
            if self._opened_at is None:
                return True
            if time.monotonic() - self._opened_at < self._reset_s or self._trial_running:
                return False
            self._trial_running = True
            return True

    def success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            self._trial_running = False
            if self._failures >= self._threshold:
                self._opened_at = time.monotonic()

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._opened_at is not None
