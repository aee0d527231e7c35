"""A bounded map whose entries expire, read without a lock.

The decision cache is read twice per call and written on a miss. cachetools' TTLCache
must be locked for reads too (a read may reorder and expire entries), and under
gunicorn's threads a lock taken on every call becomes a lock convoy that cost each call
more CPU than the decision (pepper/tally.py tells the measurement). Here a read is one
``dict.get`` — a single operation under the GIL — and a clock comparison; only writers
take the owner's lock.

Entries leave in the order they were stored (all share one time to live, so the oldest
expires first): under size pressure the oldest copy goes, however often it was read.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TTLMap(Generic[K, V]):
    """Reads need no lock; every write must hold the owner's lock."""

    def __init__(self, maxsize: int, ttl_s: float, clock: Callable[[], float]) -> None:
        self.maxsize = maxsize
        self.ttl_s = ttl_s
        self._clock = clock
        self._data: dict[K, tuple[float, V]] = {}
        # (expiry, key) in the order stored; an entry stored again leaves a stale pair
        # behind, recognised by its expiry and skipped.
        self._order: deque[tuple[float, K]] = deque()

    def get(self, key: K) -> V | None:
        entry = self._data.get(key)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    def __setitem__(self, key: K, value: V) -> None:
        now = self._clock()
        expires = now + self.ttl_s
        self._data[key] = (expires, value)
        self._order.append((expires, key))
        self._trim(now)

    def pop(self, key: K, default: V | None = None) -> V | None:
        entry = self._data.pop(key, None)
        return default if entry is None else entry[1]

    def __iter__(self) -> Iterator[K]:
        return iter(list(self._data))

    def __len__(self) -> int:
        return len(self._data)

    def items(self) -> list[tuple[K, V]]:
        return [(key, entry[1]) for key, entry in list(self._data.items())]

    def _trim(self, now: float) -> None:
        order, data = self._order, self._data
        while order and (order[0][0] <= now or len(data) > self.maxsize):
            expires, key = order.popleft()
            entry = data.get(key)
            if entry is not None and entry[0] == expires:
                del data[key]
        if len(order) > 2 * self.maxsize + 16:  # many keys stored again: drop stale pairs
            self._order = deque(
                (e, k) for e, k in order if (entry := data.get(k)) is not None and entry[0] == e
            )
