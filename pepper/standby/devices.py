"""Who holds a token, remembered in Redis for when the database cannot say.

Read only when PostgreSQL is unavailable: while it answers, every request is checked
against it, so a revocation still takes effect on every server at the next request.
Erasing a device forgets its entry; should that forget fail (Redis down at that
instant), the entry ends with its TTL and was only ever usable during an outage, for
writes that the replay drops because the device is gone.

Writes are throttled per process: an entry younger than a quarter of its TTL is not
written again, so a busy device costs one SET every day or so, not one per request. A
Redis that lost its data is noticed (``check_kept``): every process writes again, at
once, the devices it had written, as the database has them now (service.py).
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from dataclasses import asdict
from datetime import datetime

import redis

from pepper.devices.service import DeviceInfo

MAX_REMEMBERED = 100_000  # per-process throttle entries before it starts afresh


def key(prefix: str, token_hash: str) -> str:
    return f"{prefix}standby:device:{token_hash}"


def encode(device: DeviceInfo) -> str:
    fields = asdict(device)
    fields["created_at"] = device.created_at.isoformat()
    return json.dumps(fields, separators=(",", ":"))


def decode(raw: bytes | str) -> DeviceInfo:
    fields = json.loads(raw)
    fields["created_at"] = datetime.fromisoformat(fields["created_at"])
    return DeviceInfo(**fields)


class DeviceStandby:
    def __init__(self, client: redis.Redis, prefix: str, ttl_s: int) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl_s = ttl_s
        self._written: dict[str, float] = {}
        self._epoch: bytes | None = None  # the Redis data epoch written entries belong to
        self._lock = threading.Lock()

    def remember(self, token_hash: str, device: DeviceInfo, *, force: bool = False) -> bool:
        """Store the device for this token; whether it was written now (best effort: a
        Redis failure only means the standby knows less)."""
        now = time.monotonic()
        with self._lock:
            last = self._written.get(token_hash)
            if not force and last is not None and now - last < self.ttl_s / 4:
                return False
            if len(self._written) >= MAX_REMEMBERED:
                self._written.clear()
            self._written[token_hash] = now
        try:
            self.client.set(key(self.prefix, token_hash), encode(device), ex=self.ttl_s)
        except redis.RedisError:
            with self._lock:
                self._written.pop(token_hash, None)
            return False
        return True

    def check_kept(self) -> list[str]:
        """The token hashes this process had written, when Redis lost their entries (a
        restart without persistence); else none. A marker key holds a random epoch, set
        by the first process to find it missing; every process compares it with the epoch
        it last saw. Without this, devices written before the loss were never written
        again, and an outage after it found none of them."""
        marker = f"{self.prefix}standby:epoch"
        with self.client.pipeline(transaction=False) as pipe:
            pipe.set(marker, uuid.uuid4().hex, nx=True, ex=self.ttl_s)
            pipe.get(marker)
            _, epoch = pipe.execute()
        if epoch == self._epoch:
            return []
        self._epoch = epoch
        with self._lock:
            # Still known, as never written: their next request writes them (and their
            # lists, pepper/http/auth.py) again too.
            self._written = dict.fromkeys(self._written, -math.inf)
            return list(self._written)

    def rewrite(self, token_hashes: list[str], devices: dict[str, DeviceInfo]) -> None:
        """Write again the devices of these token hashes that ``devices`` still holds, in
        one round trip; the others (erased, revoked) are forgotten."""
        with self._lock:
            for gone in set(token_hashes) - devices.keys():
                self._written.pop(gone, None)
        with self.client.pipeline(transaction=False) as pipe:
            for token_hash, device in devices.items():
                pipe.set(key(self.prefix, token_hash), encode(device), ex=self.ttl_s)
            pipe.execute()

    def recall(self, token_hash: str) -> DeviceInfo | None:
        """The device last seen with this token, or None (also when Redis fails)."""
        try:
            raw = self.client.get(key(self.prefix, token_hash))
        except redis.RedisError:
            return None
        return None if raw is None else decode(raw)

    def forget(self, token_hash: str) -> bool:
        with self._lock:
            self._written.pop(token_hash, None)
        try:
            self.client.delete(key(self.prefix, token_hash))
        except redis.RedisError:
            return False
        return True
