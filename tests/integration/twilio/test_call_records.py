"""Carrier call records written behind the call: counted once whatever the order of
webhooks, kept while the database is away, stored on a graceful stop."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, text

from pepper.carriers.twilio.recorder import BATCH, RECORDER_KEY, CallRecorder
from pepper.carriers.twilio.records import CallRecord
from pepper.metrics import CALL_RECORDS
from pepper.runtime import Runtime
from tests.support.blackhole import closed_port
from tests.support.twilio import call_params, signed_post, verbs

CALLER = "+12025550143"


@pytest.fixture
def dead() -> Iterator[Engine]:
    """An engine whose server is away: its port refuses connections."""
    engine = create_engine(
        f"postgresql+psycopg://pepper@127.0.0.1:{closed_port()}/pepper",
        connect_args={"connect_timeout": 1},
    )
    yield engine
    engine.dispose()


def caller_stats(rt: Runtime) -> dict[str, int]:
    with rt.engine.connect() as connection:
        row = connection.execute(
            text("SELECT calls, subscribers, finished FROM caller_stats WHERE caller = :c"),
            {"c": CALLER},
        ).one()
    return dict(row._mapping)


def call_rows(rt: Runtime) -> list[tuple[str, str]]:
    with rt.engine.connect() as connection:
        return [
            (row.call_sid, row.action)
            for row in connection.execute(text("SELECT call_sid, action FROM calls ORDER BY id"))
        ]


def record(sid: str, subscriber_id: int | None, caller: str | None = CALLER) -> CallRecord:
    return CallRecord(sid, subscriber_id, caller, "allow", None, None, None)


def subscriber_id(rt: Runtime) -> int:
    with rt.engine.connect() as connection:
        return int(connection.execute(text("SELECT id FROM subscribers")).scalar_one())


def own_recorder(
    twilio_app: Callable[..., Flask],
    engine: Engine | None = None,
    *,
    flush_ms: int = 10_000,
    max_queued: int = 100,
) -> tuple[Runtime, CallRecorder, int]:
    """A runtime, a recorder of the test's own on ``engine`` (else the decision's engine),
    and the subscriber's id."""
    rt: Runtime = twilio_app().extensions["pepper"]
    recorder = CallRecorder(engine or rt.decision_engine, flush_ms, max_queued)
    return rt, recorder, subscriber_id(rt)


def test_a_status_callback_before_its_record_still_counts_the_call_once(
    twilio_app: Callable[..., Flask],
) -> None:
    app = twilio_app(call_record_flush_ms=10_000)  # nothing is stored until flush()
    client = app.test_client()
    rt: Runtime = app.extensions["pepper"]
    sid = "CA" + "5" * 32
    verbs(signed_post(client, "/twilio/voice", call_params(CALLER, CallSid=sid)))
    done = call_params(CALLER, CallSid=sid, CallStatus="completed", CallDuration="30")
    for _ in range(3):  # the call ended, and Twilio retried its callback, before the record
        assert signed_post(client, "/twilio/status", done).status_code == 200
    assert call_rows(rt) == [(sid, "unknown")]
    recorder: CallRecorder = app.extensions[RECORDER_KEY]
    assert recorder.flush()
    assert call_rows(rt) == [(sid, "allow")]
    assert caller_stats(rt) == {"calls": 1, "subscribers": 1, "finished": 1}
    verbs(signed_post(client, "/twilio/voice", call_params(CALLER, CallSid=sid)))  # a retry
    assert recorder.flush()
    assert caller_stats(rt) == {"calls": 1, "subscribers": 1, "finished": 1}


@pytest.fixture
def batching(twilio_app: Callable[..., Flask]) -> tuple[Runtime, CallRecorder, int]:
    """A runtime, its recorder storing only on flush(), and the subscriber's id."""
    app = twilio_app(call_record_flush_ms=10_000)
    rt: Runtime = app.extensions["pepper"]
    return rt, app.extensions[RECORDER_KEY], subscriber_id(rt)


def test_a_batch_counts_each_call_once_and_each_subscriber_once(
    batching: tuple[Runtime, CallRecorder, int],
) -> None:
    rt, recorder, subscriber = batching
    for n in (1, 2, 3, 2, 1):  # two CallSids delivered twice within the batch
        recorder.record(record(f"CA{n:032d}", subscriber))
    recorder.record(record("CA" + "9" * 32, subscriber, caller=None))  # withheld caller
    assert recorder.flush()
    assert caller_stats(rt) == {"calls": 3, "subscribers": 1, "finished": 0}
    assert len(call_rows(rt)) == 4


def test_a_batch_stores_every_field_of_every_record_as_recorded(
    batching: tuple[Runtime, CallRecorder, int],
) -> None:
    rt, recorder, subscriber = batching
    at = datetime(2026, 12, 1, 18, 30, 5, 123456, tzinfo=UTC)
    challenged = CallRecord(
        "CA" + "1" * 32, subscriber, CALLER, "challenge", "Scam Likely «x» \"q\"",
        "r" * 40, "7", at,
    )  # fmt: skip
    bare = CallRecord("CA" + "2" * 32, None, None, "allow", None, None, None, at)
    recorder.record(challenged)
    recorder.record(bare)
    assert recorder.flush()
    columns = "call_sid, subscriber_id, caller, action, label, decision_id, challenge_digit"
    with rt.engine.connect() as connection:
        rows = connection.execute(text(f"SELECT {columns}, created_at FROM calls ORDER BY id"))
        stored = [(*row[:-1], _utc(row[-1])) for row in rows]
        epochs = connection.execute(
            text("SELECT first_epoch, last_epoch FROM caller_stats WHERE caller = :c"),
            {"c": CALLER},
        ).one()
    assert stored == [
        (challenged.call_sid, subscriber, CALLER, "challenge", challenged.label, "r" * 40, "7", at),
        (bare.call_sid, None, None, "allow", None, None, None, at),
    ]
    assert tuple(epochs) == (at.timestamp(), at.timestamp())


def _utc(value: datetime | str) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite keeps it naive, in UTC)."""
    stamp = datetime.fromisoformat(value) if isinstance(value, str) else value
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def test_records_wait_for_a_database_that_is_away_and_are_stored_once_it_is_back(
    twilio_app: Callable[..., Flask], dead: Engine
) -> None:
    rt, recorder, subscriber = own_recorder(twilio_app, dead)
    for n in range(3):
        recorder.record(record(f"CA{n:032d}", subscriber))
    assert recorder.flush() is False
    assert recorder.queued() == 3
    recorder.engine = rt.decision_engine  # the database is back
    assert recorder.flush()
    assert recorder.flush()  # nothing left, nothing stored twice
    assert recorder.queued() == 0
    assert caller_stats(rt) == {"calls": 3, "subscribers": 1, "finished": 0}


def test_a_full_queue_drops_its_oldest_records_and_counts_them(
    twilio_app: Callable[..., Flask],
) -> None:
    rt, recorder, subscriber = own_recorder(twilio_app)
    dropped = CALL_RECORDS.labels(outcome="dropped")._value.get()
    for n in range(103):
        recorder.record(record(f"CA{n:032d}", subscriber))
    assert recorder.queued() == 100
    assert CALL_RECORDS.labels(outcome="dropped")._value.get() == dropped + 3
    assert recorder.flush()
    assert call_rows(rt)[0][0] == f"CA{3:032d}"


def test_a_record_the_database_refuses_does_not_hold_back_the_others(
    twilio_app: Callable[..., Flask],
) -> None:
    rt, recorder, subscriber = own_recorder(twilio_app)
    refused = CALL_RECORDS.labels(outcome="refused")._value.get()
    recorder.record(record("CA" + "1" * 32, subscriber))
    recorder.record(record("CA" + "2" * 32, 987_654))  # its subscriber was deleted meanwhile
    recorder.record(record("CA" + "3" * 32, subscriber))
    assert recorder.flush()
    assert [sid[2:3] for sid, _ in call_rows(rt)] == ["1", "3"]
    assert CALL_RECORDS.labels(outcome="refused")._value.get() == refused + 1


def test_closing_stores_what_is_queued(twilio_app: Callable[..., Flask]) -> None:
    app = twilio_app(call_record_flush_ms=10_000)
    client = app.test_client()
    for n in range(3):
        verbs(signed_post(client, "/twilio/voice", call_params(CALLER, CallSid=f"CA{n:032d}")))
    rt: Runtime = app.extensions["pepper"]
    assert call_rows(rt) == []
    app.extensions[RECORDER_KEY].close()
    assert len(call_rows(rt)) == 3


def test_a_challenge_answered_before_its_record_is_stored_counts_once(
    twilio_app: Callable[..., Flask],
) -> None:
    app = twilio_app(mode="challenge", call_record_flush_ms=10_000)
    client = app.test_client()
    rt: Runtime = app.extensions["pepper"]
    sid = "CA" + "6" * 32
    params = call_params(CALLER, CallSid=sid, StirVerstat="TN-Validation-Failed-C")
    (gather,) = verbs(signed_post(client, "/twilio/voice", params))
    digit = "".join(gather.itertext()).strip()[-2]
    answer = call_params(CALLER, CallSid=sid, Digits=digit)
    (dial,) = verbs(signed_post(client, "/twilio/challenge", answer))
    assert dial.tag == "Dial"
    assert call_rows(rt) == [(sid, "unknown")]  # the placeholder the record will fill
    assert app.extensions[RECORDER_KEY].flush()
    assert call_rows(rt) == [(sid, "challenge")]
    with rt.engine.connect() as connection:
        row = connection.execute(
            text("SELECT calls, challenge_passed FROM caller_stats WHERE caller = :c"),
            {"c": CALLER},
        ).one()
    assert tuple(row) == (1, 1)


def test_calls_arriving_while_the_database_is_away_do_not_cut_the_retry_backoff_short(
    twilio_app: Callable[..., Flask], dead: Engine
) -> None:
    _, recorder, subscriber = own_recorder(twilio_app, dead, flush_ms=50, max_queued=100_000)
    failed = CALL_RECORDS.labels(outcome="failed")._value.get()
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < 1.0:  # a full batch queued, and calls still coming
        recorder.record(record(f"CA{n:032d}", subscriber))
        n += 1
        if n > BATCH:
            time.sleep(0.002)
    recorder.close()
    tries = (CALL_RECORDS.labels(outcome="failed")._value.get() - failed) / BATCH
    # Backing off from 50 ms (0.1, 0.2, 0.4, 0.8 s): a handful of tries in a second, not
    # one per call.
    assert 1 <= tries <= 8, tries
