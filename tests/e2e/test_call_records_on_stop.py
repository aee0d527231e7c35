"""A gracefully stopped gunicorn stores the carrier call records it still held."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlencode

from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator

from pepper import create_app
from pepper.carriers.twilio import subscribers
from pepper.db import migrations
from pepper.runtime import runtime
from pepper.settings import Settings
from tests.support.server import gunicorn
from tests.support.services import postgres_database
from tests.support.twilio import RING_TO, TOKEN, TWILIO_NUMBER, call_params

PUBLIC = "https://pepper.test.invalid"


def test_sigterm_stores_the_queued_call_records() -> None:
    with postgres_database("e2e_records") as url:
        migrations.upgrade(url)
        app = create_app(Settings(env="test", database_url=url))
        with app.app_context():
            with runtime().uow() as uow:
                subscribers.add(
                    uow, twilio_number=TWILIO_NUMBER, ring_to=RING_TO, mode="block",
                    device_id=None, region="US",
                )  # fmt: skip
            runtime().close()
        env = {
            "PEPPER_DATABASE_URL": url,
            "PEPPER_TWILIO_AUTH_TOKEN": TOKEN,
            "PEPPER_PUBLIC_BASE_URL": PUBLIC,
            # Nothing would be stored before the stop but for the stop itself.
            "PEPPER_CALL_RECORD_FLUSH_MS": "10000",
        }
        with gunicorn(env, workers=2) as base_url:
            for n in range(6):
                params = dict(call_params(CallSid=f"CA{n:032d}"))
                signature = RequestValidator(TOKEN).compute_signature(
                    f"{PUBLIC}/twilio/voice", params
                )
                request = urllib.request.Request(  # noqa: S310
                    f"{base_url}/twilio/voice",
                    data=urlencode(params).encode(),
                    headers={"X-Twilio-Signature": signature, "Connection": "close"},
                )
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    assert response.status == 200
            engine = create_engine(url)
            with engine.connect() as connection:
                before = connection.execute(text("SELECT count(*) FROM calls")).scalar_one()
        # Leaving the block sent SIGTERM and waited for gunicorn to exit.
        with engine.connect() as connection:
            after = connection.execute(text("SELECT count(*) FROM calls")).scalar_one()
            calls = connection.execute(text("SELECT calls FROM caller_stats")).scalar_one()
        engine.dispose()
    assert (before, after, calls) == (0, 6, 6)
