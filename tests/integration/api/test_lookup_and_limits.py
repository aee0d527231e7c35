from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from pepper.runtime import Runtime
from tests.support.factories import register, report_spam

SPAMMER = "+12025550143"


def test_a_lookup_shows_the_normalized_number_a_label_and_bucketed_counts(
    client: FlaskClient, runtime: Runtime
) -> None:
    report_spam(client, runtime.uow, SPAMMER, 6)
    response = client.get("/v1/numbers/(202) 555-0143", headers=register(client))
    assert response.status_code == 200
    body = response.json
    assert body is not None
    assert (body["e164"], body["region"], body["valid"]) == (SPAMMER, "US", True)
    assert body["label"] == "Scam Likely"
    assert body["counts"] == {"complaints": "0", "spam_reports": "5-19", "not_spam_reports": "0"}


def test_a_lookup_of_an_emergency_number_carries_no_reputation(client: FlaskClient) -> None:
    body = client.get("/v1/numbers/911", headers=register(client)).json
    assert body is not None
    assert (body["emergency_or_service"], body["label"], body["score"]) == (True, None, None)


def test_screening_is_limited_per_token_with_retry_after_and_ratelimit_fields(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(rate_limit_screen="3/minute")
    client = app.test_client()
    alice, bob = register(client), register(client)
    statuses = [
        client.post("/v1/screen", json={"number": SPAMMER}, headers=alice).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    refused = client.post("/v1/screen", json={"number": SPAMMER}, headers=alice)
    assert refused.mimetype == "application/problem+json"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Policy"] == '"pepper";q=3;w=60'
    assert refused.headers["RateLimit"].startswith('"pepper";r=0;t=')
    # Another device's budget is its own.
    assert client.post("/v1/screen", json={"number": SPAMMER}, headers=bob).status_code == 200
