"""The decision route's rate limit: shared through Redis, without a round trip per call.

``limits`` on Redis costs one blocking round trip per check; under gunicorn's threads
that was ~240 µs of CPU per decision (thread switches around the socket), the largest
cost left on ``POST /v1/screen``. Here each process counts in memory and asks Redis only
when the answer could be no:

- Fixed windows aligned on the epoch (window id = floor(now / window length)): Redis
  holds one counter per key and window, expiring soon after the window ends.
- Per key, a process knows ``synced``, the count Redis last answered, and holds
  ``pending``, the hits it counted but has not sent (pepper.http.admission).
- Fast path, no I/O: while the process holds fewer than ``burst`` unsent hits of the
  key (1 % of the limit, at least one) and its view is within half the limit.
- Exact path otherwise: one INCRBY of the unsent hits and this one; admitted if Redis's
  answer is within the limit. Refused hits are counted too, as ``limits`` counts them.
- A thread per process sends every key's pending hits every ``PEPPER_RATE_LIMIT_SYNC_MS``
  in one pipeline and learns the counts back.

A device far below its limit (every normal one) costs no Redis round trip at all.

How exact. An exact check counts every hit Redis has been sent. It cannot count the hits
other processes answered from memory and have not sent yet: at most ``burst`` per
process, sent within one sync interval. A process answers from memory on what it last
heard of the key, and never again in the window once it has heard of it at half its
limit. So the limit can be passed only when a key climbs from below half its limit to
all of it between two times one process hears of it (a flood on one token, through
other processes or within one sync interval), and then by at most ``burst`` hits per
process and window (3 at 300/minute): each is a hit that process admitted while it
held fewer than ``burst`` unsent, and the first answer about them taken after the key
passed half ends its fast path. A key whose calls are spread over the processes moves
a few hits between two of a process's looks; it would have to climb by half its limit
in one such gap. Only a Redis round trip per call could close that window
(tests/integration/api/test_shared_limit.py shows the worst case).

When Redis fails (an error, or no answer within ``PEPPER_RATE_LIMIT_SCREEN_BUDGET_MS``)
the process counts alone, on what it knew, and no request fails or waits again: only the
sync thread tries Redis again, every ``STORAGE_RETRY_S``, and the hits counted meanwhile
reach Redis when it answers. Without Redis (the embedded default) it is an in-memory
fixed window.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable

import redis
from limits import parse

from pepper.http.admission import KeyCount, burst_for, path_for
from pepper.http.refusal import Refusal
from pepper.metrics import RATE_LIMIT_CHECKS, RATE_LIMIT_SYNC_FAILURES

log = logging.getLogger(__name__)

# After a failed Redis call, how long the process counts alone before trying Redis again.
STORAGE_RETRY_S = 5.0
# Counters outlive their window by this much: a host whose clock runs a little behind
# still adds to the count its peers kept rather than to a fresh one.
EXPIRY_SLACK_S = 5


class SharedLimit:
    """One route's limit per key, shared through Redis (``client``) or kept in memory."""

    def __init__(
        self,
        limit: str,
        *,
        client: redis.Redis | None,
        prefix: str,
        sync_s: float = 0.1,
        retry_s: float = STORAGE_RETRY_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.item = parse(limit)
        self.amount = self.item.amount
        self.burst = burst_for(self.amount)
        self.window_s = self.item.get_expiry()
        self.prefix = prefix
        self.sync_s = sync_s
        self.retry_s = retry_s
        self._client = client
        self._clock = clock  # wall time: every host must cut the same windows
        self._lock = threading.Lock()
        self._window = -1  # the window _counts belong to
        self._counts: dict[str, KeyCount] = {}
        # Keys with pending hits since the last sync: the sync thread need not walk
        # every key of the window under the lock.
        self._dirty: dict[str, KeyCount] = {}
        # False after a failed Redis call, until the sync thread gets an answer again.
        self._redis_ok = client is not None
        self._retry_at = 0.0  # time.monotonic(): a clock step must not stall a retry
        self._pid = 0  # the process the sync thread runs in
        self._stop = threading.Event()
        # Counted here, not through pepper/tally.py: while admit() takes its own lock on
        # every call, the tally measured no better (bench.threads --route screen).
        self._checks = {p: RATE_LIMIT_CHECKS.labels(path=p) for p in ("fast", "exact", "local")}

    def admit(self, key: str) -> Refusal | None:
        """None when the request may go on, else what its 429 says."""
        if self._client is not None and self._pid != os.getpid():
            self._start_sync()
        with self._lock:
            window = self._current_window()
            count = self._count(key)
            path = path_for(count, self.amount, self.burst) if self._redis_ok else "local"
            if path == "exact":
                sent = count.pending + 1
                count.pending = 0
                count.sending += sent
            else:
                self._add_pending(key, count)
                total = count.known
        self._checks[path].inc()
        if path == "fast":
            return None
        if path == "exact":
            total = self._send_now(key, window, count, sent)
        if total <= self.amount:
            return None
        return Refusal(self.item, max(0, self.amount - total), (window + 1) * self.window_s)

    def flush(self) -> None:
        """Send every key's pending hits in one pipeline and learn their counts back."""
        with self._lock:
            self._current_window()  # forgets a window that ended, even with no requests
            if self._client is None or (not self._redis_ok and time.monotonic() < self._retry_at):
                return
            window, dirty, self._dirty = self._window, self._dirty, {}
            batch = [(key, count, count.pending) for key, count in dirty.items() if count.pending]
            for _, count, hits in batch:
                count.pending = 0
                count.sending += hits
        if not batch:
            return
        try:
            totals = self._incr([(self.redis_key(key, window), hits) for key, _, hits in batch])
        except Exception as error:  # the sync thread never dies of Redis: count alone
            self._failed("sync", error, [(count, hits) for _, count, hits in batch])
            return
        with self._lock:
            for (_, count, hits), total in zip(batch, totals, strict=True):
                self._landed(count, hits, total)
            self._redis_ok = True

    def close(self) -> None:
        """Stop the sync thread (hits not sent yet stay unsent)."""
        self._stop.set()

    def redis_key(self, key: str, window: int) -> str:
        return f"{self.prefix}{self.window_s}s:{window}:{key}"

    def _current_window(self) -> int:
        """The window now; a new one forgets the counts of the last (called locked)."""
        window = int(self._clock() // self.window_s)
        # Hits of a thread that read the clock just before the change count in the new one.
        if window > self._window:
            self._window, self._counts, self._dirty = window, {}, {}
        return self._window

    def _count(self, key: str) -> KeyCount:
        count = self._counts.get(key)
        if count is None:
            count = self._counts[key] = KeyCount()
        return count

    def _add_pending(self, key: str, count: KeyCount) -> None:
        count.pending += 1
        self._dirty[key] = count

    def _send_now(self, key: str, window: int, count: KeyCount, sent: int) -> int:
        """The exact path: one round trip for the window's count, this hit included."""
        try:
            (total,) = self._incr([(self.redis_key(key, window), sent)])
        except Exception as error:  # any failure: count alone from now on, never fail the call
            self._failed("request", error, [(count, sent)])
            with self._lock:
                return count.known
        with self._lock:
            self._landed(count, sent, total)
        return total

    def _incr(self, batch: list[tuple[str, int]]) -> list[int]:
        # redis-py directly: ``limits`` has no batched API, and one pipeline for all keys is
        # what makes the sync cheap. No MULTI: each key's INCRBY is atomic on its own.
        assert self._client is not None
        pipe = self._client.pipeline(transaction=False)
        for redis_key, hits in batch:
            pipe.incrby(redis_key, hits)
            pipe.expire(redis_key, self.window_s + EXPIRY_SLACK_S)
        replies = pipe.execute()
        return [int(reply) for reply in replies[::2]]

    def _landed(self, count: KeyCount, hits: int, total: int) -> None:
        count.sending -= hits
        # Answers to concurrent calls may come back in any order; a window's count only grows.
        count.synced = max(count.synced, total)

    def _failed(self, caller: str, error: Exception, batch: list[tuple[KeyCount, int]]) -> None:
        # Only the error's own words: no key (a token's fingerprint), no number.
        log.warning("rate-limit Redis call failed (%s: %r); counting alone", caller, error)
        RATE_LIMIT_SYNC_FAILURES.labels(caller=caller).inc()
        with self._lock:
            for count, hits in batch:
                count.sending -= hits
                count.synced += hits  # see KeyCount.synced: maybe counted, so never resent
            self._redis_ok = False
            self._retry_at = time.monotonic() + self.retry_s

    def _start_sync(self) -> None:
        """The sync thread of this process (again after a fork: threads do not survive one)."""
        with self._lock:
            pid = os.getpid()
            if self._pid == pid:
                return
            if self._pid:  # a forked child: what the parent counted, the parent sends
                self._counts, self._dirty = {}, {}
            self._pid = pid
            thread = threading.Thread(
                target=_sync_forever,
                args=(weakref.ref(self), self._stop, self.sync_s),
                name="pepper-rate-limit-sync",
                daemon=True,
            )
            thread.start()


def _sync_forever(ref: weakref.ref[SharedLimit], stop: threading.Event, every_s: float) -> None:
    # The limit is held weakly, so that a limit nobody uses (a test's app) ends its thread.
    while not stop.wait(every_s):
        limit = ref()
        if limit is None:
            return
        try:
            limit.flush()
        except Exception:  # a bug must not stop the sync: keys would never be sent again
            log.exception("rate-limit sync failed")
        del limit
