"""Writes queued in a Redis stream while the database is unavailable.

A stream with one consumer group: a queued write stays in the stream until a replayer
acknowledges it, so a worker killed mid-batch leaves its entries pending, to be read
again by itself (``0``) or claimed by another worker once idle (``XAUTOCLAIM``). Nothing
is trimmed to make room: when the stream holds ``limit`` entries a new write is refused
(the route then answers 503 as it would without an outbox) instead of dropping an
acknowledged one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import redis

GROUP = "replay"
FIELD = "entry"


class OutboxFull(Exception):
    """The stream holds its limit of queued writes."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One queued write: what the route would have done, in JSON-safe values."""

    kind: str
    data: dict[str, Any]
    device_id: int | None = None
    client_id: int | None = None
    queued_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    ticket: str = ""  # what the client was told: names the write in logs and answers

    def with_ticket(self, ticket: str) -> Entry:
        return replace(self, ticket=ticket)

    def encode(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def decode(cls, raw: bytes | str) -> Entry:
        fields = json.loads(raw)
        return cls(
            kind=str(fields["kind"]),
            data=dict(fields["data"]),
            device_id=fields.get("device_id"),
            client_id=fields.get("client_id"),
            queued_at=str(fields["queued_at"]),
            ticket=str(fields.get("ticket", "")),
        )


def stream(prefix: str) -> str:
    return f"{prefix}outbox"


def dead_letters(prefix: str) -> str:
    return f"{prefix}outbox:dead"


def put(client: redis.Redis, prefix: str, entry: Entry, *, limit: int) -> str:
    """Queue the write; returns its stream id."""
    name = stream(prefix)
    if int(client.xlen(name)) >= limit:
        raise OutboxFull(f"{limit} writes already queued")
    ticket = client.xadd(name, {FIELD: entry.encode()})
    return ticket.decode() if isinstance(ticket, bytes) else str(ticket)


def ensure_group(client: redis.Redis, prefix: str) -> None:
    try:
        client.xgroup_create(stream(prefix), GROUP, id="0", mkstream=True)
    except redis.ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


Taken = list[tuple[str, bytes]]


def take(
    client: redis.Redis,
    prefix: str,
    consumer: str,
    *,
    count: int,
    block_ms: int,
    reclaim_after_ms: int,
) -> Taken:
    """The next entries for this consumer, oldest first: its own unacknowledged ones,
    then those another consumer left idle too long, then new ones (waiting up to
    ``block_ms`` for them, 0: not at all)."""
    name = stream(prefix)
    own = _entries(client.xreadgroup(GROUP, consumer, {name: "0"}, count=count))
    if own:
        return own
    claimed = client.xautoclaim(name, GROUP, consumer, reclaim_after_ms, "0-0", count=count)
    orphans = [(_text(i), f[FIELD.encode()]) for i, f in claimed[1] if f]
    if orphans:
        return orphans
    # BLOCK 0 would wait forever: no wait at all is no BLOCK argument.
    wait = block_ms if block_ms > 0 else None
    return _entries(client.xreadgroup(GROUP, consumer, {name: ">"}, count=count, block=wait))


def _entries(answer: Any) -> Taken:
    if not answer:
        return []
    _, messages = answer[0]
    return [(_text(i), f[FIELD.encode()]) for i, f in messages if f]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def done(client: redis.Redis, prefix: str, ticket: str) -> None:
    """Acknowledge and delete an entry that was applied (or refused for good)."""
    pipe = client.pipeline(transaction=True)
    pipe.xack(stream(prefix), GROUP, ticket)
    pipe.xdel(stream(prefix), ticket)
    pipe.execute()


def bury(client: redis.Redis, prefix: str, ticket: str, raw: bytes, reason: str) -> None:
    """Move an entry that cannot be applied (a bug, not an outage) out of the way, kept
    for an operator instead of blocking every entry queued after it."""
    pipe = client.pipeline(transaction=True)
    pipe.xadd(dead_letters(prefix), {FIELD: raw, "reason": reason[:500], "ticket": ticket})
    pipe.xack(stream(prefix), GROUP, ticket)
    pipe.xdel(stream(prefix), ticket)
    pipe.execute()


def depth(client: redis.Redis, prefix: str) -> int:
    return int(client.xlen(stream(prefix)))
