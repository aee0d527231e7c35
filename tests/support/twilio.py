"""Requests signed with the real twilio SDK, and TwiML read back as XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

TOKEN = "current-twilio-auth-token-0123456789abcdef"
PREVIOUS_TOKEN = "previous-twilio-auth-token-0123456789abcd"
TWILIO_NUMBER = "+14155550000"
RING_TO = "+14155550111"


def call_params(caller: str = "+12025550143", **extra: str) -> MultiDict[str, str]:
    params = MultiDict(
        {
            "CallSid": extra.pop("CallSid", "CA" + "0" * 32),
            "AccountSid": "AC" + "1" * 32,
            "From": caller,
            "To": TWILIO_NUMBER,
            "CallStatus": "ringing",
            "Direction": "inbound",
            "FromCountry": "US",
            "CallerName": "SOMEONE",
        }
    )
    for key, value in extra.items():
        params[key] = value
    return params


def signed_post(
    client: FlaskClient,
    path: str,
    params: MultiDict[str, str],
    *,
    token: str = TOKEN,
    url: str | None = None,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    signature = RequestValidator(token).compute_signature(url or f"http://localhost{path}", params)
    return client.post(
        path, data=params, headers={"X-Twilio-Signature": signature, **(headers or {})}
    )


def verbs(response: TestResponse) -> list[ET.Element]:
    """The TwiML verbs of a response, after checking it is well-formed TwiML."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data(as_text=True))  # noqa: S314 - our own output
    assert root.tag == "Response"
    return list(root)
