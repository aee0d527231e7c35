"""A device's personal lists, copied to Redis for when the database cannot show them.

Read only while PostgreSQL is unavailable: ``GET /v1/lists/{kind}`` answers a page of
the copy, ``GET /v1/blocklist`` shapes the list with it. A live read that finds a copy
missing writes one (one extra read of the whole list, only then); every change drops
both copies of the device: a live edit, a queued edit when the replay applies it, and
erasure. So a copy is the list as the database held it at some moment after its last
change; edits still queued during an outage are not in it.

A read that began before an edit must not store the list as it was after that edit
dropped the copy. Each drop sets a new random generation, and a copy is stored only if
the generation is still the one read before the database was (WATCH): a drop between
the two makes the store a no-op. Should a drop fail (Redis away at that instant), the
stale copy lasts until its TTL; it is only ever shown during an outage, and a block list
shaped with it carries its fingerprint, so the next live sync sees the difference and
sends the full list (pepper/blocklist/serve.py).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

import redis
from sqlalchemy.exc import SQLAlchemyError

from pepper.db import UnitOfWork
from pepper.lists.service import KINDS, EntryInfo, whole

log = logging.getLogger(__name__)

# After a Redis failure, how long live reads of this process leave the copies alone.
QUIET_AFTER_FAILURE_S = 5.0


def encode(entries: Sequence[EntryInfo]) -> str:
    rows = [[e.id, e.pattern, e.label, e.created_at.isoformat()] for e in entries]
    return json.dumps(rows, separators=(",", ":"))


def decode(kind: str, raw: bytes | str) -> list[EntryInfo]:
    return [
        EntryInfo(id_, kind, pattern, label, datetime.fromisoformat(created_at))
        for id_, pattern, label, created_at in json.loads(raw)
    ]


class ListStandby:
    def __init__(self, client: redis.Redis, prefix: str, ttl_s: int, max_entries: int) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl_s = ttl_s
        self.max_entries = max_entries  # a longer list (the limit was lowered) is not copied
        self._quiet_until = 0.0

    def _copy(self, device_id: int, kind: str) -> str:
        return f"{self.prefix}standby:list:{device_id}:{kind}"

    def _generation(self, device_id: int) -> str:
        return f"{self.prefix}standby:list:{device_id}:generation"

    def refresh(self, uow: UnitOfWork, device_id: int, kinds: Sequence[str]) -> None:
        """Copy from the database (in the caller's transaction) the lists of these kinds
        that Redis has no copy of. Best effort: a Redis failure only means the standby
        knows less; a database error is raised."""
        if time.monotonic() < self._quiet_until:
            return
        try:
            with self.client.pipeline(transaction=False) as pipe:
                pipe.get(self._generation(device_id))
                for kind in kinds:
                    pipe.exists(self._copy(device_id, kind))
                generation, *present = pipe.execute()
        except redis.RedisError:
            # A Redis that is away must not cost every live read a timeout.
            self._quiet_until = time.monotonic() + QUIET_AFTER_FAILURE_S
            return
        missing = [kind for kind, found in zip(kinds, present, strict=True) if not found]
        if not missing:
            return
        copies = {
            kind: whole(uow, device_id=device_id, kind=kind, at_most=self.max_entries)
            for kind in missing
        }
        try:
            self._store(device_id, generation, copies)
        except redis.WatchError:
            return  # the list changed meanwhile: the next live read copies it
        except redis.RedisError:
            self._quiet_until = time.monotonic() + QUIET_AFTER_FAILURE_S

    def _store(
        self, device_id: int, generation: bytes | None, copies: dict[str, list[EntryInfo] | None]
    ) -> None:
        with self.client.pipeline() as pipe:
            pipe.watch(self._generation(device_id))  # type: ignore[no-untyped-call]
            if pipe.get(self._generation(device_id)) != generation:
                return  # dropped since we read: what we read may predate the change
            pipe.multi()
            for kind, entries in copies.items():
                if entries is not None:
                    pipe.set(self._copy(device_id, kind), encode(entries), ex=self.ttl_s)
            pipe.execute()

    def refresh_now(self, uow_factory: Callable[[], UnitOfWork], device_id: int) -> None:
        """``refresh`` both lists in a transaction of their own; a database that fails
        here only means the copy is written at the next live read."""
        try:
            with uow_factory() as uow:
                self.refresh(uow, device_id, KINDS)
        except SQLAlchemyError:
            log.warning("list copies not refreshed: the database failed")

    def rewrite(self, uow_factory: Callable[[], UnitOfWork], device_id: int) -> None:
        """The device's lists changed (live, or by a replayed edit): drop the stale
        copies and write them again at once, so that an outage finds them as they are."""
        self.forget(device_id)
        self.refresh_now(uow_factory, device_id)

    def start_empty(self, device_id: int) -> None:
        """A device registered just now has empty lists: copies without a read."""
        try:
            self._store(device_id, None, {kind: [] for kind in KINDS})
        except redis.RedisError:
            self._quiet_until = time.monotonic() + QUIET_AFTER_FAILURE_S

    def recall(self, device_id: int, kind: str) -> list[EntryInfo] | None:
        """The copy of one list in id order, or None (also when Redis fails)."""
        return self.recall_all(device_id, (kind,)).get(kind)

    def recall_all(
        self, device_id: int, kinds: Sequence[str] = KINDS
    ) -> dict[str, list[EntryInfo]]:
        """The copies found of these lists (missing ones left out; none when Redis fails)."""
        try:
            found = self.client.mget([self._copy(device_id, kind) for kind in kinds])
        except redis.RedisError:
            return {}
        return {
            kind: decode(kind, raw)
            for kind, raw in zip(kinds, found, strict=True)
            if raw is not None
        }

    def forget(self, device_id: int) -> bool:
        """Drop the device's copies, after a change or its erasure."""
        try:
            with self.client.pipeline() as pipe:  # MULTI: the generation moves with the drop
                pipe.set(self._generation(device_id), uuid.uuid4().hex, ex=self.ttl_s)
                pipe.delete(*(self._copy(device_id, kind) for kind in KINDS))
                pipe.execute()
        except redis.RedisError:
            return False
        return True
