from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from pydantic import SecretStr

from pepper.carriers.twilio import subscribers
from pepper.runtime import runtime as current_runtime
from tests.support.twilio import PREVIOUS_TOKEN, RING_TO, TOKEN, TWILIO_NUMBER

TWILIO_SETTINGS = {
    "twilio_auth_token": SecretStr(TOKEN),
    "twilio_auth_token_previous": SecretStr(PREVIOUS_TOKEN),
    "twilio_fallback_routes": {TWILIO_NUMBER: RING_TO},
}


@pytest.fixture
def twilio_app(make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    """An app serving the Twilio webhooks, with one subscriber in the given mode."""

    def build(mode: str = "block", **overrides: object) -> Flask:
        app = make_app(**{**TWILIO_SETTINGS, **overrides})
        with app.app_context():
            rt = current_runtime()
            with rt.uow() as uow:
                subscribers.add(
                    uow, twilio_number=TWILIO_NUMBER, ring_to=RING_TO, mode=mode,
                    device_id=None, region="US",
                )  # fmt: skip
        return app

    return build
