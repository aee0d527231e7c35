"""The decision's reads: at most one round trip, plain SQL, no ORM on the hot path.

BASELINES: a PostgreSQL round trip costs ~180 µs through Core and ~640 µs through
the ORM with a new session; on PostgreSQL these reads skip Core too and run on the
driver's cursor (pepper/db/driver.py). A decision needs whom the call is for (a device found by
its token, or a carrier subscriber and its device, with its personal lists) and every
signal about the caller — operator labels, number and range counters, report
categories, the caller's carrier pattern. Whichever of the two the process's cache
(pepper/screening/cache.py) lacks, one statement fetches: a ``who`` CTE selects the
device's settings and a ``UNION ALL`` of its list entries and the caller's rows is
joined to it, so an unknown token returns no row at all and a known one returns its
settings on every row. With the device cached, only the caller's rows are read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Connection, TextClause, text

from pepper.auth.tokens import hash_token
from pepper.db.driver import fetch_all
from pepper.lists.patterns import PersonalList
from pepper.model.features import CallerPattern
from pepper.numbers import NormalizedNumber, normalize
from pepper.reputation.core import Counters, Evidence
from pepper.reputation.storage import evidence_keys, ranges_found
from pepper.screening.cache import DeviceView, NumberView
from pepper.screening.types import Action, AdminLabel, DeviceFacts, Sensitivity

# Every branch yields (src, key, label, n, spam_w, ham_w, complaint_w, spam_n, ham_n,
# complaint_n, ref_epoch). The device's list entries come whole (src allow|block, key the
# pattern, label its prefix, n 1 for a prefix): they are matched in memory and kept with
# the device (pepper/screening/cache.py). The caller's rows follow; an operator label's
# n orders matches (exact before prefix, longer prefix first).
_F = "CAST(0 AS DOUBLE PRECISION)"
_LIST = f"""
SELECT kind AS src, pattern AS key, prefix AS label,
       CASE WHEN is_prefix = :yes THEN 1 ELSE 0 END AS n,
       {_F} AS spam_w, {_F} AS ham_w, {_F} AS complaint_w, 0 AS spam_n, 0 AS ham_n,
       0 AS complaint_n, {_F} AS ref_epoch
  FROM list_entries WHERE device_id = (SELECT device_id FROM who)
"""  # noqa: S608 - constants only
_MATCH = "((is_prefix = :no AND prefix = :e164) OR (is_prefix = :yes AND :e164 LIKE prefix || '%'))"
_NUMBER = f"""
SELECT 'admin:' || verdict AS src, pattern AS key, category AS label,
       CASE WHEN is_prefix = :yes THEN length(prefix) ELSE 100 END AS n,
       {_F} AS spam_w, {_F} AS ham_w, {_F} AS complaint_w, 0 AS spam_n, 0 AS ham_n,
       0 AS complaint_n, {_F} AS ref_epoch
  FROM admin_labels WHERE {_MATCH}
UNION ALL
SELECT 'counter', key, NULL, 0, spam_w, ham_w, complaint_w, spam_n, ham_n, complaint_n,
       ref_epoch
  FROM reputation_counters WHERE key IN (:key0, :key1, :key2)
UNION ALL
SELECT 'category', category, NULL, n, {_F}, {_F}, {_F}, 0, 0, 0, {_F}
  FROM report_categories WHERE e164 = :e164 AND n > 0
UNION ALL
SELECT 'pattern', caller, NULL, calls, first_epoch, last_epoch, {_F}, subscribers, finished,
       answered, {_F}
  FROM caller_stats WHERE caller = :e164
UNION ALL
SELECT 'pattern2', caller, NULL, short_calls, {_F}, {_F}, {_F}, challenge_passed,
       challenge_failed, 0, {_F}
  FROM caller_stats WHERE caller = :e164
"""  # noqa: S608 - constants only; every value is a bound parameter
SIGNAL_COLUMNS = 11

# The first columns every ``who`` selects, in this order; a Who may add its own after.
WHO_COLUMNS = ("device_id", "default_region", "sensitivity", "withheld_action", "own_number")


@dataclass(slots=True)
class Who:
    """Whom a call is for: a SELECT of ``WHO_COLUMNS`` (then extras) yielding one row.

    ``unknown`` is what to raise when it yields none; ``row`` holds what it selected
    once the lookup ran (the carrier webhook reads its subscriber from the extras).
    ``cache_key`` names it in the process's cache (None: never cached).
    """

    sql: str
    params: Mapping[str, Any]
    unknown: Callable[[], Exception]
    cache_key: str | None = None
    row: Sequence[Any] | None = field(default=None)

    @property
    def device_id(self) -> int:
        assert self.row is not None
        return int(self.row[0])

    @property
    def region(self) -> str:
        assert self.row is not None
        return str(self.row[1])


_DEVICE_BY_HASH = (
    "SELECT d.id AS device_id, d.default_region, d.sensitivity, d.withheld_action,"
    " d.own_number FROM api_clients c JOIN devices d ON d.client_id = c.id"
    " WHERE c.token_hash = :token_hash AND c.kind = 'device' AND c.revoked_at IS NULL"
)
_DEVICE_BY_ID = (
    "SELECT id AS device_id, default_region, sensitivity, withheld_action, own_number"
    " FROM devices WHERE id = :who_device_id"
)


def by_token(token: str, unknown: Callable[[], Exception]) -> Who:
    """The device holding this token (a cached copy lives at most one change-feed poll
    past a revocation, pepper/screening/cache.py)."""
    token_hash = hash_token(token)
    return Who(_DEVICE_BY_HASH, {"token_hash": token_hash}, unknown, f"t:{token_hash}")


def by_device(device_id: int, unknown: Callable[[], Exception]) -> Who:
    return Who(_DEVICE_BY_ID, {"who_device_id": device_id}, unknown, f"d:{device_id}")


@cache
def _statement(who_sql: str, with_number: bool) -> TextClause:
    # who_sql is one of this package's constants (by_token, by_device, subscriber_who).
    rows = f"{_LIST} UNION ALL {_NUMBER}" if with_number else _LIST
    sql = f"WITH who AS ({who_sql}) SELECT who.*, s.* FROM who LEFT JOIN ({rows}) s ON 1 = 1"  # noqa: S608
    return text(sql)


_NUMBER_ONLY = text(_NUMBER)


def _number_params(number: NormalizedNumber, keys: list[str]) -> dict[str, Any]:
    # A number has one to three evidence keys (itself and its ranges): the statement
    # takes three, the first repeated, so that it is the same text on every read (one
    # prepared statement, no list expanded per read).
    key0, key1, key2 = (keys + [keys[0]] * 2)[:3]
    return {"e164": number.e164, "key0": key0, "key1": key1, "key2": key2, "yes": True, "no": False}


def usable(number: NormalizedNumber | None) -> bool:
    """Whether a number has a caller's signals to read (never for 911 or withheld)."""
    return number is not None and number.e164 is not None and not number.never_block


def read_device(
    connection: Connection, who: Who, number: NormalizedNumber | None
) -> tuple[DeviceView, NumberView | None]:
    """Find ``who`` (raising ``who.unknown()`` when nothing matches) with its lists, and
    in the same statement the signals about ``number`` when it is usable."""
    keys = evidence_keys(number) if number is not None and usable(number) else None
    params: dict[str, Any] = {**who.params, "yes": True, "no": False}
    if keys is not None:
        assert number is not None
        params.update(_number_params(number, keys))
    rows = fetch_all(connection, _statement(who.sql, keys is not None), params)
    if not rows:
        raise who.unknown()
    width = len(rows[0]) - SIGNAL_COLUMNS
    who.row = tuple(rows[0][:width])
    signal_rows = [tuple(row[width:]) for row in rows if row[width] is not None]
    device = _device_view(who.row, signal_rows)
    if keys is None:
        return device, None
    return device, _number_view(signal_rows, keys)


def read_number(connection: Connection, number: NormalizedNumber) -> NumberView:
    """The signals about a caller (``number`` must be usable)."""
    keys = evidence_keys(number)
    rows = fetch_all(connection, _NUMBER_ONLY, _number_params(number, keys))
    return _number_view(rows, keys)


def _device_view(row: tuple[Any, ...], signal_rows: list[tuple[Any, ...]]) -> DeviceView:
    _, _, sensitivity, withheld_action, own_number = row[:5]
    entries: dict[str, list[tuple[str, str, bool]]] = {"allow": [], "block": []}
    for src, key, label, n, *_ in signal_rows:
        if src in entries:
            entries[src].append((key, label, bool(n)))
    facts = DeviceFacts(
        own_number=normalize(own_number) if own_number else None,
        sensitivity=Sensitivity(sensitivity),
        withheld_action=Action(withheld_action),
    )
    return DeviceView(row, facts, PersonalList(entries["allow"]), PersonalList(entries["block"]))


def _number_view(signal_rows: list[tuple[Any, ...]], keys: list[str]) -> NumberView:
    best = -1
    admin_label: AdminLabel | None = None
    counters: dict[str, Counters] = {}
    categories: dict[str, int] = {}
    pattern: dict[str, tuple[float, ...]] = {}
    for src, key, label, n, *weights in signal_rows:
        if src == "counter":
            counters[key] = Counters(*weights)
        elif src == "category":
            categories[key] = n
        elif src.startswith("pattern"):
            pattern[src] = (float(n), *(float(w) for w in weights))
        elif src.startswith("admin:") and n > best:
            best = n
            verdict = Action.ALLOW if src == "admin:allow" else Action.BLOCK
            admin_label = AdminLabel(verdict, label, key)
    caller = None
    if len(pattern) == 2:
        calls, first, last, _, subscribers, finished, answered, _ = pattern["pattern"]
        short, _, _, _, passed, failed, _, _ = pattern["pattern2"]
        caller = CallerPattern(
            calls=int(calls), subscribers=int(subscribers), finished=int(finished),
            answered=int(answered), short_calls=int(short), challenge_passed=int(passed),
            challenge_failed=int(failed), first_epoch=float(first), last_epoch=float(last),
        )  # fmt: skip
    evidence = Evidence(
        number=counters.get(keys[0]),
        ranges=ranges_found(keys, counters),
        categories=categories,
    )
    return NumberView(admin_label, evidence, caller)
