"""The decision's reads: two round trips, Core SQL, no ORM on the hot path.

BASELINES: a PostgreSQL round trip costs ~180 µs through Core and ~640 µs through
the ORM with a new session. A decision needs the device (by token) and then every
signal about the caller — personal lists, operator labels, number and range
counters, report categories — which one ``UNION ALL`` fetches at once.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, text

from pepper.model.features import CallerPattern
from pepper.numbers import NormalizedNumber
from pepper.reputation.core import Counters, Evidence
from pepper.reputation.storage import evidence_keys
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
  FROM list_entries WHERE device_id = :device_id AND {_MATCH}
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


SIGNALS = text(_SIGNALS).bindparams(bindparam("keys", expanding=True))


class Found:
    """The caller's signals as read: list matches, an operator label, the evidence."""

    __slots__ = ("admin_label", "evidence", "pattern", "personal_allow", "personal_block")

    def __init__(self) -> None:
        self.personal_allow: str | None = None
        self.personal_block: str | None = None
        self.admin_label: AdminLabel | None = None
        self.evidence = Evidence(number=None, ranges=())
        self.pattern: CallerPattern | None = None


def signals_for(connection: Connection, device_id: int, number: NormalizedNumber) -> Found:
    found = Found()
    if number.e164 is None:
        return found
    keys = evidence_keys(number)
    rows = connection.execute(
        SIGNALS,
        {"device_id": device_id, "e164": number.e164, "keys": keys, "yes": True, "no": False},
    ).all()
    best: dict[str, int] = {}
    counters: dict[str, Counters] = {}
    categories: dict[str, int] = {}
    pattern: dict[str, tuple[float, ...]] = {}
    for src, key, label, n, *weights in rows:
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
        ranges=tuple((k[2:], counters[k]) for k in keys[1:] if k in counters),
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
