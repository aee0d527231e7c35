"""Carrier call records written behind the call, in batches.

Twilio waits on ``/twilio/voice`` while a caller hears ringing. Storing the call before
answering cost every call a blocking write — the largest cost of the route after the
decision itself (BENCHMARKS.md). Nothing in the answer depends on the record, so the
route hands it to this process's recorder, which stores what has queued every
``PEPPER_CALL_RECORD_FLUSH_MS`` (50 ms) in one statement (records.py).

What this trades, deliberately: a record lives only in memory until its batch is
stored, so a process killed with SIGKILL loses at most that window's records (a
graceful stop stores them first, ``close``). A record is evidence for the caller
aggregates, not a promise to anyone; the call's status callback still finds or makes
its row. A batch that fails (the database away) is kept and tried again, oldest first;
records are idempotent by ``CallSid``, so a batch that did commit before its answer was
lost is stored once. The queue is bounded: when the database stays away, the oldest
records are dropped and counted (``pepper_call_records_total{outcome="dropped"}``).

``/twilio/challenge`` does not need the record: the digit asked is a keyed hash of the
call (service.challenge_digit), and a challenge answered before its record is stored
leaves a placeholder row that the record fills in.
"""

from __future__ import annotations

import logging
import threading
from collections import deque

from sqlalchemy import Engine

from pepper.background import ProcessThread
from pepper.carriers.twilio.records import CallRecord, store_calls
from pepper.db.outage import unavailable
from pepper.db.retry import once_more_if_dropped
from pepper.metrics import CALL_RECORDS

log = logging.getLogger(__name__)

BATCH = 500
RECORDER_KEY = "pepper.call_recorder"


class CallRecorder:
    def __init__(self, engine: Engine, flush_ms: int, max_queued: int) -> None:
        self.engine = engine
        self.flush_s = flush_ms / 1000
        # No lock around the queue: deque's append and popleft are atomic, and a lock
        # taken on every call becomes a convoy under gunicorn's threads (pepper/tally.py).
        self._queue: deque[CallRecord] = deque()
        self._max_queued = max_queued
        self._flushing = threading.Lock()  # one batch in flight per process
        self._wake = threading.Event()
        self._retrying = False  # the last batch failed: the thread is backing off
        self._stop = threading.Event()
        self._thread = ProcessThread(self._run, "pepper-call-records")

    @property
    def behind(self) -> bool:
        """Whether records are written behind the call (else during it)."""
        return self.flush_s > 0

    def record(self, record: CallRecord) -> None:
        """Store now (``flush_ms`` 0), or queue for the next batch."""
        if not self.behind:
            self._store([record])
            return
        self._queue.append(record)
        self._drop_over_bound()
        self._thread.ensure()
        # A full batch is stored at once, unless the database is away: then every call
        # would cut the backoff short (one try per call against a dead server).
        if len(self._queue) >= BATCH and not self._retrying and not self._wake.is_set():
            self._wake.set()

    def flush(self) -> bool:
        """Store everything queued; False when the database is away (the rest waits)."""
        with self._flushing:
            while True:
                batch = self._take(BATCH)
                if not batch:
                    return True
                try:
                    self._store(batch)
                except Exception as error:
                    if unavailable(error):
                        return self._wait_for_database(batch, error)
                    # Not an outage: one record the database refuses (its subscriber
                    # deleted meanwhile) must not hold back the others.
                    for i, record in enumerate(batch):
                        try:
                            self._store([record])
                        except Exception as one_error:
                            if unavailable(one_error):
                                return self._wait_for_database(batch[i:], one_error)
                            log.exception("a call record was refused")
                            CALL_RECORDS.labels(outcome="refused").inc()

    def _wait_for_database(self, batch: list[CallRecord], error: Exception) -> bool:
        log.warning("call records not stored yet: %s", type(error).__name__)
        CALL_RECORDS.labels(outcome="failed").inc(len(batch))
        self._put_back(batch)
        return False

    def _put_back(self, batch: list[CallRecord]) -> None:
        self._queue.extendleft(reversed(batch))
        self._drop_over_bound()

    def _take(self, most: int) -> list[CallRecord]:
        batch: list[CallRecord] = []
        try:
            while len(batch) < most:
                batch.append(self._queue.popleft())
        except IndexError:  # emptied (by us, or by a drop from another thread)
            pass
        return batch

    def _drop_over_bound(self) -> None:
        """Drop the oldest records beyond the bound, each drop counted once (two threads
        may both drop: the bound is kept, never exceeded for long)."""
        while len(self._queue) > self._max_queued:
            try:
                self._queue.popleft()
            except IndexError:
                return
            CALL_RECORDS.labels(outcome="dropped").inc()

    def queued(self) -> int:
        return len(self._queue)

    def close(self) -> None:
        """Stop the thread and store what is queued (a graceful stop loses nothing)."""
        self._stop.set()
        self._wake.set()
        if self.queued():
            self.flush()

    def _store(self, batch: list[CallRecord]) -> None:
        # The decision's pool skips the pre-ping: a connection the database dropped shows
        # up here and costs one retry; a batch that did reach the database counts once.
        once_more_if_dropped(lambda: store_calls(self.engine, batch))
        CALL_RECORDS.labels(outcome="stored").inc(len(batch))

    def _run(self) -> None:
        backoff = self.flush_s
        while not self._stop.is_set():
            self._wake.wait(backoff)
            self._wake.clear()
            if self._stop.is_set():
                return
            stored = self.flush()
            self._retrying = not stored
            # A database that refuses: wait longer between tries, up to 2 s.
            backoff = self.flush_s if stored else min(2.0, max(backoff * 2, 0.1))
