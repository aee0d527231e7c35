"""X-Twilio-Signature, checked with the real twilio SDK, direct and behind proxies."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from pepper.metrics import WEBHOOK_SIGNATURE_FAILURES
from tests.support.twilio import PREVIOUS_TOKEN, TOKEN, call_params, signed_post, verbs

PUBLIC = "https://pepper.example.com"


def failures() -> float:
    return WEBHOOK_SIGNATURE_FAILURES.labels(route="twilio.voice")._value.get()


def test_a_validly_signed_call_is_answered(twilio_app: Callable[..., Flask]) -> None:
    client = twilio_app().test_client()
    assert verbs(signed_post(client, "/twilio/voice", call_params()))


def test_missing_tampered_and_wrongly_signed_requests_are_403_and_counted(
    twilio_app: Callable[..., Flask],
) -> None:
    client = twilio_app().test_client()
    before = failures()
    assert client.post("/twilio/voice", data=call_params()).status_code == 403
    params = call_params()
    signature = RequestValidator(TOKEN).compute_signature("http://localhost/twilio/voice", params)
    params["From"] = "+13125550199"  # tampered after signing
    tampered = client.post("/twilio/voice", data=params, headers={"X-Twilio-Signature": signature})
    assert tampered.status_code == 403
    wrong = signed_post(client, "/twilio/voice", call_params(), token="not-the-token")
    assert wrong.status_code == 403
    assert wrong.mimetype == "application/problem+json"
    assert failures() == before + 3


def test_the_previous_token_is_accepted_during_a_rotation(
    twilio_app: Callable[..., Flask],
) -> None:
    client = twilio_app().test_client()
    assert verbs(signed_post(client, "/twilio/voice", call_params(), token=PREVIOUS_TOKEN))


def test_behind_a_tls_proxy_the_forwarded_url_is_what_is_checked(
    twilio_app: Callable[..., Flask],
) -> None:
    client = twilio_app(proxy_hops=1).test_client()
    forwarded = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "pepper.example.com",
        "X-Forwarded-Port": "8443",
        "X-Forwarded-For": "54.172.60.1",
    }
    url = "https://pepper.example.com:8443/twilio/voice"
    assert verbs(signed_post(client, "/twilio/voice", call_params(), url=url, headers=forwarded))
    # The same request as Flask saw it (http, localhost) was not what Twilio signed.
    plain = signed_post(client, "/twilio/voice", call_params(), url=url)
    assert plain.status_code == 403


def test_forwarded_headers_beyond_the_configured_hops_are_not_trusted(
    twilio_app: Callable[..., Flask],
) -> None:
    client = twilio_app(proxy_hops=1).test_client()
    # An attacker prepends its own host; the one proxy we trust appends the real one.
    spoofed = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example, pepper.example.com"}
    forged = signed_post(
        client, "/twilio/voice", call_params(), url="https://evil.example/twilio/voice",
        headers=spoofed,
    )  # fmt: skip
    assert forged.status_code == 403
    genuine = signed_post(
        client, "/twilio/voice", call_params(), url="https://pepper.example.com/twilio/voice",
        headers=spoofed,
    )  # fmt: skip
    assert genuine.status_code == 200


def test_a_configured_public_base_url_is_what_is_checked(
    twilio_app: Callable[..., Flask],
) -> None:
    client = twilio_app(public_base_url=PUBLIC).test_client()
    response = signed_post(client, "/twilio/voice", call_params(), url=f"{PUBLIC}/twilio/voice")
    assert verbs(response)


def test_repeated_and_unknown_parameters_are_signed_over_and_accepted(
    twilio_app: Callable[..., Flask],
) -> None:
    client = twilio_app().test_client()
    params = call_params(
        StirPassportToken="eyJhbGciOi.new.param", StirVerstat="TN-Validation-Passed-A"
    )
    params.add("ForwardedFrom", "+14155550122")
    params.add("ForwardedFrom", "+14155550133")
    assert isinstance(params, MultiDict)
    assert verbs(signed_post(client, "/twilio/voice", params))


def test_a_signature_over_the_url_with_its_default_port_is_accepted_too(
    twilio_app: Callable[..., Flask],
) -> None:
    # Twilio signs the URL with or without the port; the SDK checks both forms.
    client = twilio_app(public_base_url=PUBLIC).test_client()
    with_port = f"{PUBLIC}:443/twilio/voice"
    assert verbs(signed_post(client, "/twilio/voice", call_params(), url=with_port))
    rotated = signed_post(
        client, "/twilio/voice", call_params(), url=with_port, token=PREVIOUS_TOKEN
    )
    assert verbs(rotated)
    wrong_port = signed_post(
        client, "/twilio/voice", call_params(), url=f"{PUBLIC}:80/twilio/voice"
    )
    assert wrong_port.status_code == 403
