"""Carrier call records and the caller aggregates they feed, written in batches.

Each call is stored once per ``CallSid`` and counted once for its caller however often
Twilio retries the webhook and however many servers answer it: the record is an
``INSERT ... ON CONFLICT`` and only a row it inserted is counted. A status callback
may arrive before its call's record (records are written behind the call,
recorder.py) and stores a placeholder row (``action = 'unknown'``); the record then
fills that row in and counts the call, once.

On PostgreSQL a whole batch is one statement (``json_to_recordset`` of one JSON text:
the same text, and so the same prepared statement, for any batch size) in autocommit:
one round trip.
SQLite has no data-modifying CTEs: it runs three statements per record in one
transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine, text

from pepper.db import utcnow


@dataclass(frozen=True, slots=True)
class CallRecord:
    call_sid: str
    subscriber_id: int | None
    caller: str | None
    action: str
    label: str | None
    decision_id: str | None
    digit: str | None
    created_at: datetime = field(default_factory=utcnow)

    @property
    def epoch(self) -> float:
        return self.created_at.timestamp()


_FILL_PLACEHOLDER = (
    " ON CONFLICT (call_sid) DO UPDATE SET subscriber_id = excluded.subscriber_id,"
    " action = excluded.action, label = excluded.label, decision_id = excluded.decision_id,"
    " challenge_digit = excluded.challenge_digit WHERE calls.action = 'unknown'"
)

# S608: constants only; every value is a bound parameter.
_BATCH = text(
    "WITH incoming AS (SELECT * FROM json_to_recordset(CAST(:rows AS JSON))"  # noqa: S608
    "  AS i(call_sid VARCHAR, subscriber_id BIGINT, caller VARCHAR, action VARCHAR,"
    "       label VARCHAR, decision_id VARCHAR, challenge_digit VARCHAR,"
    "       created_at TIMESTAMPTZ, epoch DOUBLE PRECISION)),"
    " call AS (INSERT INTO calls (call_sid, subscriber_id, caller, action, label, decision_id,"
    "   challenge_digit, finished, created_at)"
    "  SELECT call_sid, subscriber_id, caller, action, label, decision_id, challenge_digit,"
    "   false, created_at FROM incoming" + _FILL_PLACEHOLDER + " RETURNING call_sid, caller,"
    "  subscriber_id),"
    " callee AS (INSERT INTO caller_subscribers (caller, subscriber_id)"
    "  SELECT DISTINCT caller, subscriber_id FROM call"
    "  WHERE caller IS NOT NULL AND subscriber_id IS NOT NULL"
    "  ON CONFLICT DO NOTHING RETURNING caller)"
    " INSERT INTO caller_stats (caller, calls, subscribers, finished, answered, short_calls,"
    "  challenge_passed, challenge_failed, first_epoch, last_epoch)"
    " SELECT call.caller, count(*), (SELECT count(*) FROM callee WHERE callee.caller ="
    "  call.caller), 0, 0, 0, 0, 0, min(incoming.epoch), max(incoming.epoch)"
    "  FROM call JOIN incoming USING (call_sid) WHERE call.caller IS NOT NULL"
    "  GROUP BY call.caller"
    " ON CONFLICT (caller) DO UPDATE SET calls = caller_stats.calls + excluded.calls,"
    " subscribers = caller_stats.subscribers + excluded.subscribers,"
    " last_epoch = GREATEST(caller_stats.last_epoch, excluded.last_epoch)"
)

_ONE = text(
    "INSERT INTO calls (call_sid, subscriber_id, caller, action, label, decision_id,"  # noqa: S608
    " challenge_digit, finished, created_at)"
    " VALUES (:sid, :subscriber_id, :caller, :action, :label, :decision_id, :digit, :no,"
    " :created)" + _FILL_PLACEHOLDER + " RETURNING id"
)
_NEW_CALLEE = text(
    "INSERT INTO caller_subscribers (caller, subscriber_id) VALUES (:caller, :subscriber_id)"
    " ON CONFLICT DO NOTHING RETURNING caller"
)
_COUNT_CALL = text(
    "INSERT INTO caller_stats (caller, calls, subscribers, finished, answered, short_calls,"
    " challenge_passed, challenge_failed, first_epoch, last_epoch)"
    " VALUES (:caller, 1, :new_callee, 0, 0, 0, 0, 0, :epoch, :epoch)"
    " ON CONFLICT (caller) DO UPDATE SET calls = caller_stats.calls + 1,"
    " subscribers = caller_stats.subscribers + excluded.subscribers,"
    " last_epoch = CASE WHEN excluded.last_epoch > caller_stats.last_epoch"
    "   THEN excluded.last_epoch ELSE caller_stats.last_epoch END"
)


def store_calls(engine: Engine, records: Sequence[CallRecord]) -> None:
    """``record_calls`` in a transaction of its own: on PostgreSQL one statement, which
    the decision engine autocommits (runtime.py) with no BEGIN or COMMIT round trip."""
    if not records:
        return
    with engine.begin() as connection:
        record_calls(connection, records)


def record_calls(connection: Connection, records: Sequence[CallRecord]) -> None:
    """Store each call once per CallSid and count it for its caller (a retry counts 0)."""
    # One row per CallSid in a batch: an upsert may not touch the same row twice.
    unique = list({r.call_sid: r for r in reversed(records)}.values())[::-1]
    if connection.dialect.name == "postgresql":
        connection.execute(_BATCH, {"rows": _rows(unique)})
        return
    for record in unique:
        _record_one(connection, record)


def _rows(records: Sequence[CallRecord]) -> str:
    # One JSON text, not an array per column: psycopg dumped arrays element by element in
    # Python (a third of a batch's CPU, profiled), json.dumps runs in C. Call sids,
    # numbers and labels are plain strings; created_at keeps its offset (+00:00).
    return json.dumps(
        [
            {
                "call_sid": r.call_sid, "subscriber_id": r.subscriber_id, "caller": r.caller,
                "action": r.action, "label": r.label, "decision_id": r.decision_id,
                "challenge_digit": r.digit, "created_at": r.created_at.isoformat(),
                "epoch": r.epoch,
            }
            for r in records
        ]
    )  # fmt: skip


def _record_one(connection: Connection, record: CallRecord) -> None:
    params = {
        "sid": record.call_sid, "subscriber_id": record.subscriber_id, "caller": record.caller,
        "action": record.action, "label": record.label, "decision_id": record.decision_id,
        "digit": record.digit, "no": False, "created": record.created_at,
    }  # fmt: skip
    if connection.execute(_ONE, params).first() is None or record.caller is None:
        return
    new_callee = 0
    if record.subscriber_id is not None:
        added = connection.execute(
            _NEW_CALLEE, {"caller": record.caller, "subscriber_id": record.subscriber_id}
        ).first()
        new_callee = 1 if added is not None else 0
    connection.execute(
        _COUNT_CALL, {"caller": record.caller, "new_callee": new_callee, "epoch": record.epoch}
    )
