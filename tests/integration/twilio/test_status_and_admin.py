"""Status callbacks count once per CallSid; admin tokens manage subscribers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from pepper.carriers.twilio.models import CallerStats
from pepper.carriers.twilio.recorder import RECORDER_KEY
from pepper.runtime import runtime
from tests.support.factories import register
from tests.support.twilio import call_params, signed_post, verbs

CALLER = "+12025550143"


def stats(app: Flask) -> dict[str, int]:
    """The caller's aggregates once every call record queued in the app is stored."""
    assert app.extensions[RECORDER_KEY].flush()
    with app.app_context(), runtime().uow() as uow:
        row = uow.session.get_one(CallerStats, CALLER)
        return {k: getattr(row, k) for k in ("calls", "finished", "answered", "short_calls")}


def test_five_concurrent_duplicate_status_callbacks_count_once(
    twilio_app: Callable[..., Flask],
) -> None:
    app = twilio_app()
    sid = "CA" + "7" * 32
    verbs(signed_post(app.test_client(), "/twilio/voice", call_params(CallSid=sid)))
    done = call_params(CallSid=sid, CallStatus="completed", CallDuration="4")
    barrier = threading.Barrier(5)

    def deliver(_: int) -> int:
        client = app.test_client()
        barrier.wait()
        return signed_post(client, "/twilio/status", done).status_code

    with ThreadPoolExecutor(5) as pool:
        assert list(pool.map(deliver, range(5))) == [200] * 5
    assert stats(app) == {"calls": 1, "finished": 1, "answered": 1, "short_calls": 1}


def test_non_final_statuses_do_not_count_and_a_retried_voice_webhook_is_one_call(
    twilio_app: Callable[..., Flask],
) -> None:
    app = twilio_app()
    client = app.test_client()
    sid = "CA" + "8" * 32
    for _ in range(3):
        verbs(signed_post(client, "/twilio/voice", call_params(CallSid=sid)))
    ringing = call_params(CallSid=sid, CallStatus="ringing")
    assert signed_post(client, "/twilio/status", ringing).status_code == 200
    busy = call_params(CallSid=sid, CallStatus="busy")
    assert signed_post(client, "/twilio/status", busy).status_code == 200
    assert stats(app) == {"calls": 1, "finished": 1, "answered": 0, "short_calls": 0}


def test_admin_tokens_manage_subscribers_and_are_useless_on_device_routes(
    twilio_app: Callable[..., Flask],
) -> None:
    app = twilio_app()
    client = app.test_client()
    result = app.test_cli_runner().invoke(args=["admin", "create-token", "ops"])
    assert result.exit_code == 0
    admin = {"Authorization": f"Bearer {result.output.strip()}"}
    assert result.output.startswith("pepadm_")
    device = register(client)

    created = client.post(
        "/admin/subscribers",
        json={"twilio_number": "+14155550001", "ring_to": "(415) 555-0112", "mode": "challenge"},
        headers=admin,
    )
    assert created.status_code == 201
    assert created.json is not None
    assert created.json["ring_to"] == "+14155550112"
    listed = client.get("/admin/subscribers", headers=admin).json
    assert listed is not None
    assert len(listed) == 2
    assert client.get("/admin/subscribers", headers=device).status_code == 401
    assert client.get("/v1/devices/me", headers=admin).status_code == 401
    gone = client.delete(f"/admin/subscribers/{created.json['id']}", headers=admin)
    assert gone.status_code == 204


def test_subscribers_are_managed_from_the_cli_too(twilio_app: Callable[..., Flask]) -> None:
    runner = twilio_app().test_cli_runner()
    added = runner.invoke(
        args=["subscribers", "add", "+14155550002", "+14155550113", "--mode", "label"]
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(args=["subscribers", "list"])
    assert "+14155550002\t+14155550113\tlabel" in listed.output
    duplicate = runner.invoke(args=["subscribers", "add", "+14155550002", "+14155550113"])
    assert duplicate.exit_code != 0
