"""One process's standby: devices and lists copied to Redis, writes queued, their replay."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import socket
import threading
import time
import uuid
from typing import TYPE_CHECKING

import redis

from pepper.background import ProcessThread
from pepper.db.outage import unavailable
from pepper.devices.service import devices_by_token_hashes
from pepper.errors import Unprocessable
from pepper.metrics import QUEUED_WRITES
from pepper.standby import outbox
from pepper.standby.devices import DeviceStandby
from pepper.standby.lists import ListStandby
from pepper.standby.outbox import Entry

if TYPE_CHECKING:
    from pepper.runtime import Runtime

log = logging.getLogger(__name__)

REPLAY_BATCH = 100
REWRITE_BATCH = 1000  # token hashes per statement when devices are written again
# An entry another process took and did not finish in this long (it died) is taken over.
RECLAIM_AFTER_MS = 30_000


class Standby:
    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        *,
        device_ttl_s: int,
        list_max_entries: int,
        key_ttl_s: int,
        limit: int,
        replay_every_s: float,
        retry_s: float = 2.0,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.devices = DeviceStandby(client, prefix, device_ttl_s)
        self.lists = ListStandby(client, prefix, device_ttl_s, list_max_entries)
        self.key_ttl_s = key_ttl_s
        self.limit = limit
        self.replay_every_s = replay_every_s
        self._thread = ProcessThread(self._run, "pepper-replay")
        self._stop = threading.Event()
        self._runtime: Runtime | None = None
        self._lost: set[str] = set()  # token hashes to write again, from the database
        self.retry_s = retry_s
        self._database_down_until = 0.0

    # --- the database, as this process last found it ------------------------------

    def database_down(self) -> None:
        self._database_down_until = time.monotonic() + self.retry_s

    def database_up(self) -> bool:
        return time.monotonic() >= self._database_down_until

    # --- queueing ------------------------------------------------------------------

    def queue(self, entry: Entry) -> str:
        """Queue a write; returns its ticket. Raises OutboxFull or a Redis error."""
        ticket = uuid.uuid4().hex
        outbox.put(self.client, self.prefix, entry.with_ticket(ticket), limit=self.limit)
        QUEUED_WRITES.labels(kind=entry.kind, outcome="queued").inc()
        self.ensure_replaying()
        return ticket

    def queue_once(
        self, entry: Entry, *, client_id: int, key: str, digest: str
    ) -> tuple[str, bool]:
        """Queue a write under its Idempotency-Key: (ticket, replayed).

        A retry with the same key and body while the database is away gets the same
        ticket and queues nothing; the same key with another body is 422, as live.
        """
        name = self._key_name(client_id, key)
        ticket = uuid.uuid4().hex
        claimed = self.client.set(
            name, json.dumps({"digest": digest, "ticket": ticket}), nx=True, ex=self.key_ttl_s
        )
        if not claimed:
            raw = self.client.get(name)
            stored = json.loads(raw) if raw else {}
            if stored.get("digest") != digest:
                raise Unprocessable("this Idempotency-Key was used with a different request")
            return str(stored.get("ticket", "")), True
        try:
            outbox.put(self.client, self.prefix, entry.with_ticket(ticket), limit=self.limit)
        except Exception:
            self.client.delete(name)  # nothing was queued: a retry must be able to queue
            raise
        QUEUED_WRITES.labels(kind=entry.kind, outcome="queued").inc()
        self.ensure_replaying()
        return ticket, False

    def _key_name(self, client_id: int, key: str) -> str:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return f"{self.prefix}outbox:key:{client_id}:{digest}"

    # --- replay --------------------------------------------------------------------

    def bind(self, rt: Runtime) -> None:
        """The runtime replays apply through (set once; the thread starts on first use)."""
        self._runtime = rt

    def ensure_replaying(self) -> None:
        """Run this process's replay thread (again after a fork), once bound."""
        if self._runtime is not None:
            self._thread.ensure()

    def stop(self, wait_s: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(wait_s)

    def keep_devices(self, rt: Runtime) -> None:
        """When Redis lost its data, write the devices this process had written again at
        once, read from the database (an erased or revoked one is not brought back), not
        at each device's next request: a device silent until the database is busy would
        be unknown then. Until the database answers, they wait for the next round."""
        self._lost.update(self.devices.check_kept())
        while self._lost:
            chunk = list(itertools.islice(self._lost, REWRITE_BATCH))
            with rt.engine.connect() as connection:
                found = devices_by_token_hashes(connection, chunk)
            self.devices.rewrite(chunk, found)
            self._lost.difference_update(chunk)

    def replay(self, rt: Runtime) -> int:
        """Apply what is queued until the queue is empty or the database fails; returns
        how many entries were applied or dropped."""
        from pepper.standby.writes import Moot, NotYet, apply

        if not outbox.depth(self.client, self.prefix):
            return 0
        outbox.ensure_group(self.client, self.prefix)
        consumer = f"{socket.gethostname()}:{os.getpid()}"
        handled = 0
        while True:
            taken = outbox.take(
                self.client, self.prefix, consumer, count=REPLAY_BATCH, block_ms=0,
                reclaim_after_ms=RECLAIM_AFTER_MS,
            )  # fmt: skip
            if not taken:
                return handled
            for stream_id, raw in taken:
                entry = Entry.decode(raw)
                try:
                    apply(rt, entry)
                except Moot as why:
                    log.warning("queued %s dropped: %s", entry.kind, why)
                    QUEUED_WRITES.labels(kind=entry.kind, outcome="moot").inc()
                except NotYet:
                    return handled  # left pending: taken again next round
                except Exception as error:
                    if unavailable(error):
                        return handled
                    log.exception("queued %s could not be applied; set aside", entry.kind)
                    QUEUED_WRITES.labels(kind=entry.kind, outcome="buried").inc()
                    outbox.bury(self.client, self.prefix, stream_id, raw, type(error).__name__)
                    handled += 1
                    continue
                else:
                    QUEUED_WRITES.labels(kind=entry.kind, outcome="applied").inc()
                outbox.done(self.client, self.prefix, stream_id)
                handled += 1

    def _run(self) -> None:
        assert self._runtime is not None
        while not self._stop.wait(self.replay_every_s):
            try:
                self.keep_devices(self._runtime)
            except Exception as error:  # Redis or the database away: next round
                log.warning("devices not written again yet: %s", type(error).__name__)
            try:
                self.replay(self._runtime)
            except Exception as error:  # Redis or the database away: next round
                log.warning("replay of queued writes failed: %s", type(error).__name__)
