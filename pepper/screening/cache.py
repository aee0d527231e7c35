"""What call decisions read, kept in each process's memory: devices and callers.

A decision that finds its device and its caller here costs no round trip at all. Under
gunicorn's threads one blocking round trip costs far more CPU than the query itself
(thread switches around the socket; BENCHMARKS.md), and a decision needs one to
PostgreSQL for the device and the caller's evidence.

- **Devices** (settings and personal lists), by token, device id or Twilio number. A
  copy is trusted only while the process's change feed is fresh (pepper/db/changes.py):
  a list edit, an erased device or a changed subscriber is forgotten by every process
  within one poll (``PEPPER_CACHE_SYNC_S``, 1 s), by the writing process at once. With
  the feed stale (the database unreachable from here) no copy is trusted: a revocation
  is never outlived by more than a few seconds.
- **Callers** (operator label, number and range counters, report categories, the
  carrier call pattern), by E.164 number, for ``PEPPER_NUMBER_CACHE_TTL_S`` (15 s). A
  report, an operator label or an import is forgotten through the feed like a device;
  what only the TTL bounds is the carrier call pattern (calls, subscribers reached,
  short calls), whose features count calls per hour: 15 s late changes no verdict. A
  hot number — a campaign dialling thousands of subscribers — is then read once per
  process per TTL instead of once per call. Each process keeps its own copy, so the
  TTL must outlast the time a number takes to come back to the same process.

A copy read before a change but stored after the change was announced would survive
it; so each store says when its read began, and is dropped if a notice touching it
arrived since.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from pepper.db.changes import Notice
from pepper.lists.patterns import PersonalList
from pepper.model.features import CallerPattern
from pepper.reputation.core import Evidence
from pepper.screening.ttl_map import TTLMap
from pepper.screening.types import AdminLabel, DeviceFacts

# A read never takes this long (deadline 300 ms, statement timeout 5 s): notices older
# than this concern no read still in flight.
_BUMP_MEMORY_S = 60.0


@dataclass(frozen=True, slots=True)
class DeviceView:
    """Whom calls are for: the ``who`` row, its settings, its personal lists."""

    row: tuple[Any, ...]
    facts: DeviceFacts
    allow: PersonalList
    block: PersonalList

    @property
    def device_id(self) -> int:
        return int(self.row[0])

    @property
    def region(self) -> str:
        return str(self.row[1])


@dataclass(frozen=True, slots=True)
class NumberView:
    """What is known about a caller, whoever it calls."""

    admin_label: AdminLabel | None
    evidence: Evidence
    pattern: CallerPattern | None


class _Bumps:
    """When each key was last announced as changed (for reads in flight)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._at: dict[Hashable, float] = {}

    def bump(self, key: Hashable) -> None:
        now = self._clock()
        self._at[key] = now
        if len(self._at) > 10_000:
            cutoff = now - _BUMP_MEMORY_S
            self._at = {k: t for k, t in self._at.items() if t >= cutoff}

    def since(self, key: Hashable, started: float) -> bool:
        return self._at.get(key, -1.0) >= started


class DecisionCache:
    def __init__(
        self,
        *,
        fresh: Callable[[], bool],
        device_size: int,
        device_ttl_s: float,
        number_size: int,
        number_ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fresh = fresh
        self._clock = clock
        self._devices: TTLMap[str, DeviceView] | None = (
            TTLMap(device_size, device_ttl_s, clock) if device_size and device_ttl_s else None
        )
        self._numbers: TTLMap[str, NumberView] | None = (
            TTLMap(number_size, number_ttl_s, clock) if number_size and number_ttl_s else None
        )
        # device id -> cache keys of its copies (by token, by id, by Twilio number), so
        # that a notice drops them without a scan. May name keys that expired since.
        self._keys_of: dict[int, set[str]] = {}
        self._bumps = _Bumps(clock)
        # Writers only: reads take no lock (ttl_map.py tells why).
        self._lock = threading.Lock()

    def started(self) -> float:
        """Mark the start of a read whose result may be kept."""
        return self._clock()

    def device(self, key: str | None) -> DeviceView | None:
        if self._devices is None or key is None or not self._fresh():
            return None
        return self._devices.get(key)

    def number(self, e164: str) -> NumberView | None:
        if self._numbers is None:
            return None
        return self._numbers.get(e164)

    def keep_device(self, key: str | None, view: DeviceView, started: float) -> None:
        if self._devices is None or key is None or not self._fresh():
            return
        with self._lock:
            if not (
                self._bumps.since(("device", view.device_id), started)
                or self._bumps.since(("who", key), started)
                or self._bumps.since("devices", started)
            ):
                self._devices[key] = view
                self._keys_of.setdefault(view.device_id, set()).add(key)
                if len(self._keys_of) > 2 * self._devices.maxsize:
                    self._reindex()

    def keep_number(self, e164: str, view: NumberView, started: float) -> None:
        if self._numbers is None:
            return
        with self._lock:
            if not (
                self._bumps.since(("number", e164), started)
                or self._bumps.since("numbers", started)
            ):
                self._numbers[e164] = view

    def forget(self, notices: Iterable[Notice]) -> None:
        """Drop every copy a change makes wrong (a listener of the change feed)."""
        with self._lock:
            for notice in notices:
                self._forget(notice)

    def _forget(self, notice: Notice) -> None:
        kind, key = notice.kind, notice.key
        if kind == "device":
            device_id = int(key)
            self._bumps.bump(("device", device_id))
            if self._devices is not None:
                for cached in self._keys_of.pop(device_id, ()):
                    self._devices.pop(cached, None)
        elif kind == "subscriber":
            self._bumps.bump(("who", f"s:{key}"))
            if self._devices is not None:
                self._devices.pop(f"s:{key}", None)
        elif kind == "number":
            self._bumps.bump(("number", key))
            if self._numbers is not None:
                self._numbers.pop(key, None)
        elif kind == "label":
            # A label may cover a prefix: every number under it changes.
            prefix = key.rstrip("*")
            self._bumps.bump("numbers")
            self._drop_numbers(lambda e164: e164.startswith(prefix))
        elif kind == "blocklist":
            return  # a published block list: nothing a decision reads
        elif kind == "numbers":
            self._bumps.bump("numbers")
            self._drop_numbers(lambda _: True)
        else:  # "all", or a kind this version does not know: forget everything
            self._bumps.bump("numbers")
            self._bumps.bump("devices")
            self._drop_numbers(lambda _: True)
            self._drop_devices(lambda _: True)

    def _drop_devices(self, doomed: Callable[[DeviceView], bool]) -> None:
        if self._devices is None:
            return
        for key in [k for k, view in self._devices.items() if doomed(view)]:
            self._devices.pop(key, None)
        self._reindex()

    def _reindex(self) -> None:
        assert self._devices is not None
        self._keys_of = {}
        for key, view in self._devices.items():
            self._keys_of.setdefault(view.device_id, set()).add(key)

    def _drop_numbers(self, doomed: Callable[[str], bool]) -> None:
        if self._numbers is None:
            return
        for e164 in [k for k in self._numbers if doomed(k)]:
            self._numbers.pop(e164, None)
