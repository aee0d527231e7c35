"""What the Twilio webhooks do, beneath HTTP: subscribers, call ends, challenges.

Call ends and per-caller aggregates are written with single atomic statements
(``INSERT ... ON CONFLICT``, ``UPDATE ... WHERE finished = false``) so that Twilio's
retries and many servers answering at once count every call exactly once. Call records
themselves are in records.py.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, text

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


def challenge_key(secret: bytes) -> bytes:
    # A derived key: challenge digits never share a key with anything else the secret signs.
    return hmac.new(secret, b"pepper carrier challenge digit", "sha256").digest()


def challenge_digit(key: bytes, call_sid: str) -> str:
    """The digit a challenged caller must press: a keyed hash of the call, so that any
    server can check the answer without the call's record (written behind the call) and
    no caller can know it without hearing it."""
    mac = hmac.new(key, call_sid.encode(), "sha256").digest()
    return "123456789"[int.from_bytes(mac[:8], "big") % 9]


_FINISH = text(
    "UPDATE calls SET finished = :yes, status = :status, duration_s = :duration"
    " WHERE call_sid = :sid AND finished = :no RETURNING caller"
)
_ADOPT = text(
    "INSERT INTO calls (call_sid, subscriber_id, caller, action, finished, created_at)"
    " VALUES (:sid, NULL, :caller, 'unknown', :no, :now) ON CONFLICT (call_sid) DO NOTHING"
)
# An upsert, not an UPDATE: a status callback may come before its call's record is
# stored (records are written behind the call, pepper/carriers/twilio/recorder.py); the
# record counts the call itself when it arrives.
_COUNT_END = text(
    "INSERT INTO caller_stats (caller, calls, subscribers, finished, answered, short_calls,"
    " challenge_passed, challenge_failed, first_epoch, last_epoch)"
    " VALUES (:caller, 0, 0, 1, :answered, :short, 0, 0, :epoch, :epoch)"
    " ON CONFLICT (caller) DO UPDATE SET finished = caller_stats.finished + 1,"
    " answered = caller_stats.answered + excluded.answered,"
    " short_calls = caller_stats.short_calls + excluded.short_calls"
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
            _COUNT_END,
            {
                "caller": row.caller, "answered": int(answered), "short": int(short),
                "epoch": time.time(),
            },
        )  # fmt: skip
    return True


# Judged once per call: a retried callback finds the call judged and counts nothing. A
# call whose record is not stored yet gets a placeholder row (its record fills it in).
_JUDGE = text(
    "INSERT INTO calls (call_sid, subscriber_id, caller, action, finished, challenge,"
    " created_at) VALUES (:sid, NULL, :caller, 'unknown', :no, :result, :now)"
    " ON CONFLICT (call_sid) DO UPDATE SET challenge = excluded.challenge"
    " WHERE calls.challenge IS NULL RETURNING caller"
)
_COUNT_CHALLENGE = text(
    "INSERT INTO caller_stats (caller, calls, subscribers, finished, answered, short_calls,"
    " challenge_passed, challenge_failed, first_epoch, last_epoch)"
    " VALUES (:caller, 0, 0, 0, 0, 0, :passed, :failed, :epoch, :epoch)"
    " ON CONFLICT (caller) DO UPDATE SET"
    " challenge_passed = caller_stats.challenge_passed + excluded.challenge_passed,"
    " challenge_failed = caller_stats.challenge_failed + excluded.challenge_failed"
)
_SUBSCRIBER_BY_NUMBER = text(
    "SELECT id, twilio_number, ring_to, device_id, mode FROM subscribers"
    " WHERE twilio_number = :number"
)


def answer_challenge(
    connection: Connection,
    *,
    call_sid: str,
    caller: str | None,
    twilio_number: str | None,
    digits: str,
    expected: str,
) -> tuple[bool, SubscriberInfo | None]:
    """Judge the caller's key press (counted once per call); returns (passed, the
    subscriber the called number rings)."""
    passed = bool(call_sid) and digits.strip() == expected
    result = "passed" if passed else "failed"
    judged = connection.execute(
        _JUDGE,
        {"sid": call_sid, "caller": caller, "no": False, "result": result, "now": utcnow()},
    ).first()
    if judged is not None and judged.caller is not None:
        connection.execute(
            _COUNT_CHALLENGE,
            {
                "caller": judged.caller, "passed": int(passed), "failed": int(not passed),
                "epoch": time.time(),
            },
        )  # fmt: skip
    if twilio_number is None:
        return passed, None
    row = connection.execute(_SUBSCRIBER_BY_NUMBER, {"number": twilio_number}).first()
    return passed, SubscriberInfo(*row) if row is not None else None
