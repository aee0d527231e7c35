"""With PostgreSQL unavailable and Redis up: writes are queued and answered 202, applied
once when the database is back; lookups and the device itself are answered degraded.

Two apps share one Redis: ``healthy`` reaches PostgreSQL, ``cut_off`` has PostgreSQL at a
port where nothing listens (a stopped server refuses connections at once).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select, text

from pepper.carriers.twilio import subscribers
from pepper.devices import service as device_service
from pepper.devices.service import device_for_token
from pepper.lists.models import ListEntry
from pepper.metrics import QUEUED_WRITES
from pepper.reports.models import IdempotencyKey, Report
from tests.support.factories import register, screen
from tests.support.outage import outage_pair, queued, replay, runtime_of, seen_device
from tests.support.twilio import RING_TO, TOKEN, TWILIO_NUMBER, call_params, signed_post

SPAMMER = "+12025550143"


@pytest.fixture
def pair(make_app: Callable[..., Flask], backend: str) -> tuple[Flask, Flask]:
    from pydantic import SecretStr

    return outage_pair(make_app, backend, twilio_auth_token=SecretStr(TOKEN))


def test_a_report_is_queued_answered_202_and_stored_once_when_the_database_is_back(
    pair: tuple[Flask, Flask],
) -> None:
    healthy, cut_off = pair
    headers = {**seen_device(healthy), "Idempotency-Key": "report-during-outage"}
    body = {"number": SPAMMER, "verdict": "spam", "category": "fraud"}
    away = cut_off.test_client()
    first = away.post("/v1/reports", json=body, headers=headers)
    assert first.status_code == 202, first.json
    assert first.json is not None
    assert first.json["status"] == "queued"
    again = away.post("/v1/reports", json=body, headers=headers)  # the phone retries
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (202, "true")
    assert again.json is not None
    assert again.json["ticket"] == first.json["ticket"]
    other = away.post("/v1/reports", json={**body, "verdict": "not_spam"}, headers=headers)
    assert other.status_code == 422
    assert queued(healthy) == 1

    assert replay(healthy) == 1
    assert queued(healthy) == 0
    rt = runtime_of(healthy)
    with rt.uow() as uow:
        reports = [(r.id, r.e164, r.verdict) for r in uow.session.scalars(select(Report))]
        stored = uow.session.scalars(select(IdempotencyKey)).one().response_body
    assert [(e164, verdict) for _, e164, verdict in reports] == [(SPAMMER, "spam")]
    # The phone's next retry, live, gets the stored answer: the same report.
    live = healthy.test_client().post("/v1/reports", json=body, headers=headers)
    assert live.headers.get("Idempotent-Replayed") == "true"
    assert live.json is not None
    assert stored is not None
    assert live.json["id"] == reports[0][0] == stored["id"]


def test_a_write_retried_live_before_its_replay_is_stored_once(
    pair: tuple[Flask, Flask],
) -> None:
    healthy, cut_off = pair
    headers = {**seen_device(healthy), "Idempotency-Key": "raced"}
    body = {"number": SPAMMER, "verdict": "spam", "category": "fraud"}
    assert cut_off.test_client().post("/v1/reports", json=body, headers=headers).status_code == 202
    live = healthy.test_client().post("/v1/reports", json=body, headers=headers)
    assert live.status_code == 201
    assert replay(healthy) == 1  # applied: it finds the key answered and adds nothing
    with runtime_of(healthy).uow() as uow:
        assert len(uow.session.scalars(select(Report)).all()) == 1


def test_list_edits_and_settings_are_queued_and_applied(pair: tuple[Flask, Flask]) -> None:
    healthy, cut_off = pair
    headers = seen_device(healthy)
    away = cut_off.test_client()
    added = away.post("/v1/lists/block", json={"pattern": "+1202555*"}, headers=headers)
    assert added.status_code == 202
    bad = away.post("/v1/lists/block", json={"pattern": "not a number"}, headers=headers)
    assert bad.status_code == 422  # refused now, not queued to fail on replay
    changed = away.patch("/v1/devices/me", json={"sensitivity": "high"}, headers=headers)
    assert changed.status_code == 202
    assert replay(healthy) == 2
    client = healthy.test_client()
    assert client.get("/v1/devices/me", headers=headers).json["sensitivity"] == "high"  # type: ignore[index]
    page = client.get("/v1/lists/block", headers=headers).json
    assert page is not None
    assert [e["pattern"] for e in page["items"]] == ["+1202555*"]
    assert screen(client, headers, SPAMMER)["action"] == "block"
    entry_id = page["items"][0]["id"]
    assert away.delete(f"/v1/lists/block/{entry_id}", headers=headers).status_code == 202
    assert replay(healthy) == 1
    with runtime_of(healthy).uow() as uow:
        assert uow.session.scalars(select(ListEntry)).all() == []


def test_a_queued_write_of_a_device_erased_meanwhile_is_dropped(
    pair: tuple[Flask, Flask],
) -> None:
    healthy, cut_off = pair
    headers = seen_device(healthy)
    away = cut_off.test_client()
    added = away.post("/v1/lists/allow", json={"pattern": SPAMMER}, headers=headers)
    assert added.status_code == 202
    assert healthy.test_client().delete("/v1/devices/me", headers=headers).status_code == 204
    moot = QUEUED_WRITES.labels(kind="list_add", outcome="moot")._value.get()
    assert replay(healthy) == 1
    assert QUEUED_WRITES.labels(kind="list_add", outcome="moot")._value.get() == moot + 1
    assert queued(healthy) == 0
    # Erased: during an outage its token is unknown too (503, never a guess).
    after = cut_off.test_client().get("/v1/devices/me", headers=headers)
    assert after.status_code == 503


def test_without_the_database_the_device_and_lookups_answer_degraded(
    pair: tuple[Flask, Flask],
) -> None:
    healthy, cut_off = pair
    headers = seen_device(healthy)
    away = cut_off.test_client()
    me = away.get("/v1/devices/me", headers=headers)
    assert me.status_code == 200
    lookup = away.get("/v1/numbers/%2B12025550143", headers=headers)
    assert lookup.status_code == 200
    assert lookup.json is not None
    assert (lookup.json["e164"], lookup.json["degraded"], lookup.json["score"]) == (
        SPAMMER, True, None,
    )  # fmt: skip
    unknown = away.get("/v1/devices/me", headers={"Authorization": "Bearer pep_never-seen"})
    assert unknown.status_code == 503
    assert unknown.headers["Retry-After"] == "1"


def test_a_degraded_lookup_uses_what_this_process_last_read_of_the_caller(
    pair: tuple[Flask, Flask],
) -> None:
    _, cut_off = pair
    client = cut_off.test_client()
    headers = seen_device(pair[0])
    rt = runtime_of(cut_off)
    # What an earlier decision of this process read of the caller, before the outage.
    from pepper.reputation.core import Counters, Evidence
    from pepper.screening.cache import NumberView

    spam = Counters(spam_w=9.0, ham_w=0.0, complaint_w=0.0, spam_n=9, ham_n=0, complaint_n=0,
                    ref_epoch=0.0)  # fmt: skip
    screener = cut_off.extensions["pepper.screener"]
    screener.cache.keep_number(
        SPAMMER, NumberView(None, Evidence(number=spam, ranges=()), None), screener.cache.started()
    )
    lookup = client.get("/v1/numbers/%2B12025550143", headers=headers)
    assert lookup.status_code == 200
    assert lookup.json is not None
    assert lookup.json["degraded"] is True
    assert lookup.json["score"] is not None
    assert lookup.json["counts"]["spam_reports"] == "5-19"
    assert rt.standby is not None


def test_a_status_callback_is_queued_and_counted_once_when_the_database_is_back(
    pair: tuple[Flask, Flask],
) -> None:
    healthy, cut_off = pair
    rt = runtime_of(healthy)
    with rt.uow() as uow:
        subscribers.add(
            uow, twilio_number=TWILIO_NUMBER, ring_to=RING_TO, mode="block", device_id=None,
            region="US",
        )  # fmt: skip
    sid = "CA" + "4" * 32
    signed_post(healthy.test_client(), "/twilio/voice", call_params(SPAMMER, CallSid=sid))
    healthy.extensions["pepper.call_recorder"].flush()
    done = call_params(SPAMMER, CallSid=sid, CallStatus="completed", CallDuration="3")
    for _ in range(2):  # Twilio retries; both answered 200 with TwiML
        answer = signed_post(cut_off.test_client(), "/twilio/status", done)
        assert (answer.status_code, answer.mimetype) == (200, "text/xml")
    assert replay(healthy) == 2
    with rt.engine.connect() as connection:
        row = connection.execute(
            text("SELECT finished, short_calls FROM caller_stats WHERE caller = :c"),
            {"c": SPAMMER},
        ).one()
    assert tuple(row) == (1, 1)


def test_replay_while_the_database_is_still_away_loses_nothing(
    pair: tuple[Flask, Flask],
) -> None:
    healthy, cut_off = pair
    headers = seen_device(healthy)
    away = cut_off.test_client()
    for n in range(3):
        away.post("/v1/lists/block", json={"pattern": f"+120255501{n}0"}, headers=headers)
    assert replay(cut_off) == 0  # the database refuses: entries stay queued
    assert queued(healthy) == 3
    assert replay(healthy) == 3
    with runtime_of(healthy).uow() as uow:
        assert len(uow.session.scalars(select(ListEntry)).all()) == 3


def test_a_device_can_report_and_read_its_lists_as_soon_as_it_is_registered(
    pair: tuple[Flask, Flask],
) -> None:
    """A phone that registers and reports at once must not find every slot busy and
    itself unknown to the standby: registration leaves the device and its (empty) lists."""
    healthy, cut_off = pair
    headers = register(healthy.test_client())  # no other request while the database was up
    away = cut_off.test_client()
    body = {"number": SPAMMER, "verdict": "spam", "category": "fraud"}
    assert away.post("/v1/reports", json=body, headers=headers).status_code == 202
    listed = away.get("/v1/lists/block", headers=headers)
    assert (listed.status_code, listed.json["items"] if listed.json else None) == (200, [])
    assert replay(healthy) == 1


def test_after_redis_lost_its_data_every_process_writes_its_devices_again(
    pair: tuple[Flask, Flask],
) -> None:
    healthy, cut_off = pair
    headers = seen_device(healthy)
    standby = runtime_of(healthy).standby
    assert standby is not None
    standby.devices.check_kept()  # sets the marker while Redis holds what was written
    live, away = healthy.test_client(), cut_off.test_client()
    live.get("/v1/devices/me", headers=headers)  # written (again) by this process
    standby.client.delete(*standby.client.keys(f"{standby.prefix}*"))  # a restart, empty
    live.get("/v1/devices/me", headers=headers)  # written lately: this process skips it
    assert away.get("/v1/devices/me", headers=headers).status_code == 503
    other = runtime_of(cut_off).standby  # another process, which did not see it first
    assert other is not None
    other.devices.check_kept()
    standby.devices.check_kept()  # what each replay thread runs every second
    live.get("/v1/devices/me", headers=headers)
    assert away.get("/v1/devices/me", headers=headers).status_code == 200
    assert away.get("/v1/lists/block", headers=headers).status_code == 200  # lists too


def test_after_redis_lost_its_data_a_process_writes_the_devices_it_knew_at_once_from_the_database(
    pair: tuple[Flask, Flask],
) -> None:
    """Not at each device's next request: a device that says nothing until the database
    is busy would otherwise be unknown then (the cluster run: a 503 while PostgreSQL was
    100 ms slow, moments after Redis restarted empty)."""
    healthy, cut_off = pair
    rt = runtime_of(healthy)
    standby = rt.standby
    assert standby is not None
    kept, erased = seen_device(healthy), seen_device(healthy)
    standby.keep_devices(rt)  # the replay thread's round: the marker set, nothing lost
    with rt.uow() as uow:  # erased by another server: this process still knows its token
        device = device_for_token(uow, erased["Authorization"].removeprefix("Bearer "))
        device_service.erase(uow, device)
    standby.client.delete(*standby.client.keys(f"{standby.prefix}*"))  # a restart, empty
    away = cut_off.test_client()
    assert away.get("/v1/devices/me", headers=kept).status_code == 503
    standby.keep_devices(rt)  # the next round, no request in between
    assert away.get("/v1/devices/me", headers=kept).status_code == 200
    assert away.get("/v1/devices/me", headers=erased).status_code == 503  # not brought back


def test_after_the_database_failed_a_request_the_process_does_without_it_for_a_moment(
    make_app: Callable[..., Flask], backend: str
) -> None:
    """A blackholed database costs a request its statement timeout: once per request (and
    once per PEPPER_STANDBY_RETRY_S in a process), not at every step of every request."""
    import time

    from sqlalchemy import event

    healthy, cut_off = outage_pair(make_app, backend, standby_retry_s=0.3)
    headers = seen_device(healthy)
    rt = runtime_of(cut_off)
    attempts: list[object] = []
    event.listen(rt.engine, "do_connect", lambda *args: attempts.append(args))
    away = cut_off.test_client()
    body = {"number": SPAMMER, "verdict": "spam", "category": "fraud"}
    assert away.post("/v1/reports", json=body, headers=headers).status_code == 202
    assert len(attempts) == 1  # the check of the token; the report itself went to Redis
    assert away.get("/v1/numbers/%2B12025550143", headers=headers).status_code == 200
    assert len(attempts) == 1  # the next request did not wait on it at all
    time.sleep(0.35)
    assert away.get("/v1/devices/me", headers=headers).status_code == 200
    assert len(attempts) == 2  # past the moment, it is tried again
