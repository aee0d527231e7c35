"""The decision's reads: one round trip, Core SQL, no ORM on the hot path.

BASELINES: a PostgreSQL round trip costs ~180 µs through Core and ~640 µs through
the ORM with a new session. A decision needs whom the call is for (a device found by
its token, or a carrier subscriber and its device) and then every signal about the
caller — personal lists, operator labels, number and range counters, report
categories, the caller's carrier pattern. One statement fetches them all: a ``who``
CTE selects the device's settings and a ``UNION ALL`` of the signals is joined to it,
so an unknown token returns no row at all and a known one returns its settings on
every signal row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Connection, String, TextClause, bindparam, text

from pepper.auth.tokens import hash_token
from pepper.model.features import CallerPattern
from pepper.numbers import NormalizedNumber
from pepper.reputation.core import Counters, Evidence
from pepper.reputation.storage import evidence_keys, ranges_found
from pepper.screening.types import Action, AdminLabel

# Every branch yields (src, key, label, specificity, spam_w, ham_w, complaint_w, spam_n,
# ham_n, complaint_n, ref_epoch); specificity orders list and label matches (exact
# before prefix, longer prefix first).
_F = "CAST(0 AS DOUBLE PRECISION)"
_MATCH = "((is_prefix = :no AND prefix = :e164) OR (is_prefix = :yes AND :e164 LIKE prefix || '%'))"
_SPECIFICITY = "CASE WHEN is_prefix = :yes THEN length(prefix) ELSE 100 END"
_SIGNALS = f"""
SELECT kind AS src, pattern AS key, CAST(NULL AS VARCHAR(16)) AS label, {_SPECIFICITY} AS n,
       {_F} AS spam_w, {_F} AS ham_w, {_F} AS complaint_w, 0 AS spam_n, 0 AS ham_n,
       0 AS complaint_n, {_F} AS ref_epoch
  FROM list_entries WHERE device_id = (SELECT device_id FROM who) AND {_MATCH}
UNION ALL
SELECT 'admin:' || verdict, pattern, category, {_SPECIFICITY}, {_F}, {_F}, {_F}, 0, 0, 0, {_F}
  FROM admin_labels WHERE {_MATCH}
UNION ALL
SELECT 'counter', key, NULL, 0, spam_w, ham_w, complaint_w, spam_n, ham_n, complaint_n,
       ref_epoch
  FROM reputation_counters WHERE key IN :keys
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
    """

    sql: str
    params: Mapping[str, Any]
    unknown: Callable[[], Exception]
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
    """The device holding this token; no per-process cache, so a revocation is seen by
    every server on its next request."""
    return Who(_DEVICE_BY_HASH, {"token_hash": hash_token(token)}, unknown)


def by_device(device_id: int, unknown: Callable[[], Exception]) -> Who:
    return Who(_DEVICE_BY_ID, {"who_device_id": device_id}, unknown)


@cache
def _statement(who_sql: str) -> TextClause:
    # who_sql is one of this package's constants (by_token, by_device, subscriber_who).
    sql = f"WITH who AS ({who_sql}) SELECT who.*, s.* FROM who LEFT JOIN ({_SIGNALS}) s ON 1 = 1"  # noqa: S608
    return text(sql).bindparams(bindparam("keys", expanding=True, type_=String))


class Found:
    """The caller's signals as read: list matches, an operator label, the evidence."""

    __slots__ = ("admin_label", "evidence", "pattern", "personal_allow", "personal_block")

    def __init__(self) -> None:
        self.personal_allow: str | None = None
        self.personal_block: str | None = None
        self.admin_label: AdminLabel | None = None
        self.evidence = Evidence(number=None, ranges=())
        self.pattern: CallerPattern | None = None


def read_signals(connection: Connection, who: Who, number: NormalizedNumber | None) -> Found:
    """Find ``who`` (raising ``who.unknown()`` when nothing matches) and the caller's
    signals in one statement; ``number`` None (or one never looked up) finds only who."""
    found = Found()
    usable = number is not None and number.e164 is not None and not number.never_block
    e164 = number.e164 if usable and number is not None else None
    keys = evidence_keys(number) if usable and number is not None else []
    rows = connection.execute(
        _statement(who.sql),
        {**who.params, "e164": e164, "keys": keys, "yes": True, "no": False},
    ).all()
    if not rows:
        raise who.unknown()
    width = len(rows[0]) - SIGNAL_COLUMNS
    who.row = tuple(rows[0][:width])
    if e164 is None:
        return found
    signal_rows = [row[width:] for row in rows if row[width] is not None]
    best: dict[str, int] = {}
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
        elif n > best.get(src[:5], -1):
            best[src[:5]] = n
            _keep_match(found, src, key, label)
    if len(pattern) == 2:
        calls, first, last, _, subscribers, finished, answered, _ = pattern["pattern"]
        short, _, _, _, passed, failed, _, _ = pattern["pattern2"]
        found.pattern = CallerPattern(
            calls=int(calls), subscribers=int(subscribers), finished=int(finished),
            answered=int(answered), short_calls=int(short), challenge_passed=int(passed),
            challenge_failed=int(failed), first_epoch=float(first), last_epoch=float(last),
        )  # fmt: skip
    found.evidence = Evidence(
        number=counters.get(keys[0]),
        ranges=ranges_found(keys, counters),
        categories=categories,
    )
    return found


def _keep_match(found: Found, src: str, key: str, category: str | None) -> None:
    if src == "allow":
        found.personal_allow = key
    elif src == "block":
        found.personal_block = key
    else:
        verdict = Action.ALLOW if src == "admin:allow" else Action.BLOCK
        found.admin_label = AdminLabel(verdict, category, key)
