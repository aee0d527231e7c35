"""What one process keeps of published block lists: decoded artifacts, and the newest
version it has seen, so that it can still answer while the database cannot."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

CACHE_BYTES = 256 * 1024 * 1024


class ArtifactCache:
    """Decoded artifacts of this process, least recently used dropped beyond a byte budget."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[Any, ...], tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._newest: dict[int, int] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: tuple[Any, ...], value: Any, size: int) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def saw(self, country_code: int, version: int) -> None:
        """The database named ``version`` the newest published for this calling code."""
        with self._lock:
            if version > self._newest.get(country_code, 0):
                self._newest[country_code] = version

    def newest(self, country_code: int) -> int | None:
        """The newest version this process has seen published, or None."""
        with self._lock:
            return self._newest.get(country_code)
