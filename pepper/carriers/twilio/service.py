"""What the Twilio webhooks do, beneath HTTP: subscribers, decisions, call records.

Call records and per-caller aggregates are written with single atomic statements
(``INSERT ... ON CONFLICT``, ``UPDATE ... WHERE finished = false``) so that Twilio's
retries and many servers answering at once count every call exactly once.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from pepper.db import utcnow
from pepper.screening.lookup import Who

FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
MODES = ("block", "challenge", "label")


@dataclass(frozen=True, slots=True)
class SubscriberInfo:
    id: int
    twilio_number: str
    ring_to: str
    device_id: int | None
    mode: str


# The screening lookup's ``who`` for a carrier call: the subscriber answering on the
# called number, with its device's settings, or carrier defaults when it has none (its
# device id -1 matches no personal list entry; neighbour spoofing is judged against the
# number the subscriber answers on).
_SUBSCRIBER_WHO = (
    "SELECT COALESCE(d.id, -1) AS device_id,"
    " COALESCE(d.default_region, :who_region) AS default_region,"
    " COALESCE(d.sensitivity, 'normal') AS sensitivity,"
    " COALESCE(d.withheld_action, 'allow') AS withheld_action,"
    " CASE WHEN d.id IS NULL THEN s.ring_to ELSE d.own_number END AS own_number,"
    " s.id AS subscriber_id, s.twilio_number, s.ring_to, s.device_id AS subscriber_device,"
    " s.mode FROM subscribers s LEFT JOIN devices d ON d.id = s.device_id"
    " WHERE s.twilio_number = :who_number"
)


def subscriber_who(twilio_number: str, region: str, unknown: Callable[[], Exception]) -> Who:
    """Whom a call to this Twilio number is for, found with the caller's signals."""
    params = {"who_number": twilio_number, "who_region": region}
    return Who(_SUBSCRIBER_WHO, params, unknown, f"s:{twilio_number}")


def subscriber_of(who: Who) -> SubscriberInfo | None:
    """The subscriber a lookup by ``subscriber_who`` found (None if it did not run)."""
    if who.row is None:
        return None
    return SubscriberInfo(*who.row[5:10])


def challenge_digit() -> str:
    return secrets.choice("123456789")


_RECORD_CALL = text(
    "INSERT INTO calls (call_sid, subscriber_id, caller, action, label, decision_id,"
    " challenge_digit, finished, created_at)"
    " VALUES (:sid, :subscriber_id, :caller, :action, :label, :decision_id, :digit, :no, :now)"
    " ON CONFLICT (call_sid) DO NOTHING RETURNING id"
)
_NEW_CALLEE = text(
    "INSERT INTO caller_subscribers (caller, subscriber_id) VALUES (:caller, :subscriber_id)"
    " ON CONFLICT DO NOTHING RETURNING caller"
)
_COUNT_CALL = text(
    "INSERT INTO caller_stats (caller, calls, subscribers, finished, answered, short_calls,"
    " challenge_passed, challenge_failed, first_epoch, last_epoch)"
    " VALUES (:caller, 1, :new_callee, 0, 0, 0, 0, 0, :now, :now)"
    " ON CONFLICT (caller) DO UPDATE SET calls = caller_stats.calls + 1,"
    " subscribers = caller_stats.subscribers + excluded.subscribers,"
    " last_epoch = CASE WHEN excluded.last_epoch > caller_stats.last_epoch"
    "   THEN excluded.last_epoch ELSE caller_stats.last_epoch END"
)


# PostgreSQL does the three in one statement: one round trip, and atomic on its own (no
# transaction to open and commit). SQLite has no data-modifying CTEs: it runs them one
# by one inside a transaction (store_call).
_RECORD_CALL_AT_ONCE = text(
    "WITH call AS (INSERT INTO calls (call_sid, subscriber_id, caller, action, label,"
    "   decision_id, challenge_digit, finished, created_at)"
    "  VALUES (:sid, :subscriber_id, :caller, :action, :label, :decision_id, :digit, :no, :now)"
    "  ON CONFLICT (call_sid) DO NOTHING RETURNING caller, subscriber_id),"
    " callee AS (INSERT INTO caller_subscribers (caller, subscriber_id)"
    "  SELECT caller, subscriber_id FROM call"
    "  WHERE caller IS NOT NULL AND subscriber_id IS NOT NULL"
    "  ON CONFLICT DO NOTHING RETURNING caller)"
    " INSERT INTO caller_stats (caller, calls, subscribers, finished, answered, short_calls,"
    "  challenge_passed, challenge_failed, first_epoch, last_epoch)"
    " SELECT caller, 1, (SELECT count(*) FROM callee), 0, 0, 0, 0, 0, :epoch, :epoch"
    "  FROM call WHERE caller IS NOT NULL"
    " ON CONFLICT (caller) DO UPDATE SET calls = caller_stats.calls + 1,"
    " subscribers = caller_stats.subscribers + excluded.subscribers,"
    " last_epoch = CASE WHEN excluded.last_epoch > caller_stats.last_epoch"
    "   THEN excluded.last_epoch ELSE caller_stats.last_epoch END"
)


def store_call(engine: Engine, **fields: Any) -> None:
    """``record_call`` in a connection of its own: one autocommitted statement on
    PostgreSQL, a transaction of three on SQLite."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            record_call(connection, **fields)
    else:
        with engine.begin() as connection:
            record_call(connection, **fields)


def record_call(
    connection: Connection,
    *,
    call_sid: str,
    subscriber: SubscriberInfo | None,
    caller: str | None,
    action: str,
    label: str | None,
    decision_id: str | None,
    digit: str | None,
) -> None:
    """Store the call once per CallSid and count it for its caller (a retry counts 0)."""
    params = {
        "sid": call_sid, "subscriber_id": subscriber.id if subscriber else None,
        "caller": caller, "action": action, "label": label, "decision_id": decision_id,
        "digit": digit, "no": False, "now": utcnow(), "epoch": time.time(),
    }  # fmt: skip
    if connection.dialect.name == "postgresql":
        connection.execute(_RECORD_CALL_AT_ONCE, params)
        return
    inserted = connection.execute(_RECORD_CALL, params).first()
    if inserted is None or caller is None:
        return
    new_callee = 0
    if subscriber is not None:
        added = connection.execute(
            _NEW_CALLEE, {"caller": caller, "subscriber_id": subscriber.id}
        ).first()
        new_callee = 1 if added is not None else 0
    connection.execute(
        _COUNT_CALL, {"caller": caller, "new_callee": new_callee, "now": time.time()}
    )


_FINISH = text(
    "UPDATE calls SET finished = :yes, status = :status, duration_s = :duration"
    " WHERE call_sid = :sid AND finished = :no RETURNING caller"
)
_ADOPT = text(
    "INSERT INTO calls (call_sid, subscriber_id, caller, action, finished, created_at)"
    " VALUES (:sid, NULL, :caller, 'unknown', :no, :now) ON CONFLICT (call_sid) DO NOTHING"
)
_COUNT_END = text(
    "UPDATE caller_stats SET finished = finished + 1, answered = answered + :answered,"
    " short_calls = short_calls + :short WHERE caller = :caller"
)


def finish_call(
    connection: Connection,
    *,
    call_sid: str,
    caller: str | None,
    status: str,
    duration_s: int | None,
    short_call_s: int,
) -> bool:
    """Record a call's final status once; returns whether this callback counted."""
    if status not in FINAL_STATUSES:
        return False
    connection.execute(_ADOPT, {"sid": call_sid, "caller": caller, "no": False, "now": utcnow()})
    row = connection.execute(
        _FINISH,
        {"yes": True, "no": False, "status": status, "duration": duration_s, "sid": call_sid},
    ).first()
    if row is None:
        return False
    if row.caller is not None:
        answered = status == "completed" and (duration_s or 0) > 0
        short = status == "completed" and (duration_s or 0) < short_call_s
        connection.execute(
            _COUNT_END, {"caller": row.caller, "answered": int(answered), "short": int(short)}
        )
    return True


_PASS_OR_FAIL = text(
    "UPDATE calls SET challenge = :result WHERE call_sid = :sid AND challenge IS NULL"
    " RETURNING caller, subscriber_id, challenge_digit"
)
_CALL = text("SELECT caller, subscriber_id, challenge_digit FROM calls WHERE call_sid = :sid")
_COUNT_CHALLENGE = {
    "passed": text(
        "UPDATE caller_stats SET challenge_passed = challenge_passed + 1 WHERE caller = :caller"
    ),
    "failed": text(
        "UPDATE caller_stats SET challenge_failed = challenge_failed + 1 WHERE caller = :caller"
    ),
}
_SUBSCRIBER_BY_ID = text(
    "SELECT id, twilio_number, ring_to, device_id, mode FROM subscribers WHERE id = :id"
)


def answer_challenge(
    connection: Connection, *, call_sid: str, digits: str
) -> tuple[bool, SubscriberInfo | None]:
    """Judge the caller's key press once; returns (passed, the call's subscriber)."""
    call = connection.execute(_CALL, {"sid": call_sid}).first()
    if call is None or call.challenge_digit is None:
        return False, None
    passed = digits.strip() == call.challenge_digit
    result = "passed" if passed else "failed"
    judged = connection.execute(_PASS_OR_FAIL, {"result": result, "sid": call_sid}).first()
    if judged is not None and call.caller is not None:
        connection.execute(_COUNT_CHALLENGE[result], {"caller": call.caller})
    subscriber = None
    if call.subscriber_id is not None:
        row = connection.execute(_SUBSCRIBER_BY_ID, {"id": call.subscriber_id}).first()
        subscriber = SubscriberInfo(*row) if row is not None else None
    return passed, subscriber
