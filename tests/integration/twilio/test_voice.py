"""What /twilio/voice answers, read back as TwiML."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection

from pepper.carriers.twilio import records
from pepper.carriers.twilio.recorder import RECORDER_KEY
from pepper.runtime import runtime
from tests.support.factories import label
from tests.support.twilio import RING_TO, call_params, signed_post, verbs

SPAMMER = "+12025550143"


def block_label(app: Flask, pattern: str = SPAMMER) -> None:
    with app.app_context(), runtime().uow() as uow:
        label(uow, pattern, "block", "fraud")


def test_a_blocked_caller_is_rejected_before_answering(twilio_app: Callable[..., Flask]) -> None:
    app = twilio_app()
    block_label(app)
    first, *_ = verbs(signed_post(app.test_client(), "/twilio/voice", call_params(SPAMMER)))
    assert (first.tag, first.get("reason")) == ("Reject", "rejected")


def test_an_allowed_caller_rings_the_subscriber_with_the_callers_id(
    twilio_app: Callable[..., Flask],
) -> None:
    (dial,) = verbs(signed_post(twilio_app().test_client(), "/twilio/voice", call_params()))
    assert dial.tag == "Dial"
    assert dial.get("callerId") == "+12025550143"
    assert [n.text for n in dial.iter("Number")] == [RING_TO]


def test_an_uncertain_caller_is_challenged_in_challenge_mode(
    twilio_app: Callable[..., Flask],
) -> None:
    app = twilio_app(mode="challenge")
    params = call_params(StirVerstat="TN-Validation-Failed-B")
    (gather,) = verbs(signed_post(app.test_client(), "/twilio/voice", params))
    assert gather.tag == "Gather"
    assert gather.get("action", "").endswith("/twilio/challenge")
    assert gather.get("numDigits") == "1"


def test_a_callers_with_a_attestation_is_never_challenged(twilio_app: Callable[..., Flask]) -> None:
    app = twilio_app(mode="challenge")
    app_client = app.test_client()
    # Failed-then-passed is impossible; an A-attested neighbour spoof is the uncertain case.
    params = call_params("+14155550177", StirVerstat="TN-Validation-Passed-A")
    (verb,) = verbs(signed_post(app_client, "/twilio/voice", params))
    assert verb.tag == "Dial"


def test_label_mode_rings_even_a_blocked_caller(twilio_app: Callable[..., Flask]) -> None:
    app = twilio_app(mode="label")
    block_label(app)
    (dial,) = verbs(signed_post(app.test_client(), "/twilio/voice", call_params(SPAMMER)))
    assert dial.tag == "Dial"


def test_an_unknown_to_number_gets_valid_twiml(twilio_app: Callable[..., Flask]) -> None:
    params = call_params()
    params["To"] = "+13125550000"
    assert verbs(signed_post(twilio_app().test_client(), "/twilio/voice", params))


def test_the_challenge_rings_on_the_right_digit_and_hangs_up_otherwise(
    twilio_app: Callable[..., Flask],
) -> None:
    from pepper.carriers.twilio.models import CallerStats

    app = twilio_app(mode="challenge")
    client = app.test_client()
    results = []
    for n, right in enumerate([True, False]):
        sid = f"CA{n:032d}"
        params = call_params(CallSid=sid, StirVerstat="TN-Validation-Failed-C")
        (gather,) = verbs(signed_post(client, "/twilio/voice", params))
        # The digit as the caller hears it: "To be connected, please press 7."
        digit = "".join(gather.itertext()).strip()[-2]
        assert digit in "123456789"
        pressed = digit if right else str(int(digit) % 9 + 1)
        answer = call_params(CallSid=sid, Digits=pressed)
        results.append([v.tag for v in verbs(signed_post(client, "/twilio/challenge", answer))])
        # Twilio retries a callback it got no answer to: judged once, counted once.
        retried = verbs(signed_post(client, "/twilio/challenge", answer))
        assert [v.tag for v in retried] == results[-1]
    assert results == [["Dial"], ["Say", "Hangup"]]
    assert app.extensions[RECORDER_KEY].flush()
    with app.app_context(), runtime().uow() as uow:
        stats = uow.session.get_one(CallerStats, "+12025550143")
        assert (stats.calls, stats.challenge_passed, stats.challenge_failed) == (2, 1, 1)
        assert stats.subscribers == 1


def test_the_challenge_digit_differs_between_calls_and_is_the_same_on_every_server() -> None:
    from pepper.carriers.twilio.service import challenge_digit, challenge_key

    key = challenge_key(b"a secret of the deployment")
    digits = [challenge_digit(key, f"CA{n:032d}") for n in range(900)]
    assert set(digits) == set("123456789")
    assert max(digits.count(d) for d in "123456789") < 160  # ~100 each
    assert digits == [challenge_digit(key, f"CA{n:032d}") for n in range(900)]
    assert digits != [challenge_digit(challenge_key(b"another"), f"CA{n:032d}") for n in range(900)]


@pytest.mark.parametrize("failure", ["database", "model", "policy"])
def test_voice_rings_through_when_things_break(
    twilio_app: Callable[..., Flask],
    make_app: Callable[..., Flask],
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    from pepper.screening.views import screener
    from tests.integration.twilio.conftest import TWILIO_SETTINGS
    from tests.support.blackhole import closed_port

    app = twilio_app()
    block_label(app, "+1312555*")
    if failure == "database":
        # PostgreSQL stopped: the subscriber cannot even be looked up; settings ring.
        dead = f"postgresql+psycopg://pepper@127.0.0.1:{closed_port()}/pepper"
        app = make_app(**TWILIO_SETTINGS, database_url=dead)
    elif failure == "model":

        def broken(*args: object) -> None:
            raise RuntimeError("model failed")

        with app.app_context():
            monkeypatch.setattr(screener(), "scorer", SimpleNamespace(score=broken))
    else:
        import pepper.screening.service as screening

        monkeypatch.setattr(screening, "decide", lambda *a: 1 / 0)
    (dial,) = verbs(signed_post(app.test_client(), "/twilio/voice", call_params("+13125550111")))
    assert dial.tag == "Dial"
    assert [n.text for n in dial.iter("Number")] == [RING_TO]


def test_the_fallback_url_answers_from_settings_alone(twilio_app: Callable[..., Flask]) -> None:
    app = twilio_app()
    (dial,) = verbs(signed_post(app.test_client(), "/twilio/voice/fallback", call_params()))
    assert [n.text for n in dial.iter("Number")] == [RING_TO]


def test_a_call_record_whose_connection_dies_is_retried_and_counted_once(
    twilio_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The call records use the decision's pool (no pre-ping): a connection the database
    drops under a batch must cost a retry, not the batch."""
    app = twilio_app()
    engine = app.extensions["pepper"].engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    original, killed = records.record_calls, []

    def dies_once(connection: Connection, *args: Any) -> None:
        if not killed:  # the database drops this very connection, as a restart would
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            with engine.connect() as admin:
                admin.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})").all()
            killed.append(pid)
        original(connection, *args)

    monkeypatch.setattr(records, "record_calls", dies_once)
    (dial,) = verbs(signed_post(app.test_client(), "/twilio/voice", call_params()))
    assert dial.tag == "Dial"
    assert app.extensions[RECORDER_KEY].flush()
    assert killed
    with engine.connect() as connection:
        calls = connection.exec_driver_sql("SELECT calls FROM caller_stats").scalars().all()
        sids = connection.exec_driver_sql("SELECT call_sid FROM calls").scalars().all()
    assert (sids, calls) == (["CA" + "0" * 32], [1])
