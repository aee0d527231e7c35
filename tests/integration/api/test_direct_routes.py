"""The direct call routes (pepper.http.direct) answer like every Flask route: one problem
shape for every error, the request id, the body limit, the latency metric."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from pepper.http.observe import RequestIdFilter
from pepper.screening.service import Screener
from pepper.screening.views import SCREENER_KEY
from pepper.tally import tally
from tests.integration.test_errors import assert_problem
from tests.support.factories import register

NUMBER = "+12025550143"


def registered(app: Flask) -> tuple[FlaskClient, dict[str, str], Screener]:
    """A client, a registered device's headers, and the app's screener to break."""
    client = app.test_client()
    screener = app.extensions[SCREENER_KEY]
    assert isinstance(screener, Screener)
    return client, register(client), screener


def test_a_wrong_method_is_a_405_problem_that_names_post(client: FlaskClient) -> None:
    response = client.get("/v1/screen", headers=register(client))
    assert_problem(response, 405)
    assert response.headers["Allow"] == "POST"


def test_a_body_that_is_not_json_is_a_400_problem(client: FlaskClient) -> None:
    response = client.post(
        "/v1/screen",
        data=b'{"number": "+1202',
        headers={**register(client), "Content-Type": "application/json"},
    )
    body = assert_problem(response, 400)
    assert body["errors"] == {"json": ["Invalid JSON body."]}


@pytest.mark.parametrize(
    ("sent", "field"),
    [({}, "number"), ({"number": NUMBER, "in_contacts": "maybe"}, "in_contacts"),
     ({"number": NUMBER, "weight": 3}, "weight")],
)  # fmt: skip
def test_a_body_that_is_not_a_call_is_a_422_problem_naming_the_field(
    client: FlaskClient, sent: dict[str, object], field: str
) -> None:
    response = client.post("/v1/screen", json=sent, headers=register(client))
    body = assert_problem(response, 422)
    assert field in body["errors"]["json"]


def test_an_oversized_body_is_a_413_problem(client: FlaskClient) -> None:
    body = b'{"number": "' + b"1" * 100_000 + b'"}'
    response = client.post(
        "/v1/screen", data=body, headers={**register(client), "Content-Type": "application/json"}
    )
    assert_problem(response, 413)


def test_the_request_id_is_echoed_when_acceptable_and_made_up_otherwise(
    client: FlaskClient,
) -> None:
    headers = register(client)
    sent = client.post(
        "/v1/screen", json={"number": NUMBER}, headers={**headers, "X-Request-ID": "abc-12345678"}
    )
    assert sent.headers["X-Request-ID"] == "abc-12345678"
    forged = client.post(
        "/v1/screen", json={"number": NUMBER}, headers={**headers, "X-Request-ID": NUMBER}
    )
    assert forged.headers["X-Request-ID"] not in ("", NUMBER)
    assert len(forged.headers["X-Request-ID"]) == 32


def test_an_unexpected_crash_is_a_500_problem_that_leaks_nothing(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, headers, screener = registered(app)

    def explode(*args: object) -> None:
        raise RuntimeError(f"caller {NUMBER} broke it")

    monkeypatch.setattr(screener, "screen", explode)
    response = client.post("/v1/screen", json={"number": NUMBER}, headers=headers)
    body = assert_problem(response, 500)
    assert "detail" not in body
    assert "2025550143" not in response.get_data(as_text=True)


def test_decisions_are_timed_under_their_rule(client: FlaskClient) -> None:
    labels = {"route": "/v1/screen", "method": "POST", "status": "2xx"}
    tally.flush()
    before = REGISTRY.get_sample_value("pepper_request_seconds_count", labels) or 0.0
    response = client.post("/v1/screen", json={"number": NUMBER}, headers=register(client))
    assert response.status_code == 200
    tally.flush()
    assert REGISTRY.get_sample_value("pepper_request_seconds_count", labels) == before + 1


def test_log_lines_of_the_decisions_thread_carry_the_requests_id(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lookup runs on the screener's thread pool: it must log under the request's id."""
    client, headers, screener = registered(app)

    def broken(*args: object) -> None:
        logging.getLogger("pepper.scoring").warning("scoring on the lookup thread")
        raise RuntimeError("scorer failed")

    monkeypatch.setattr(screener, "scorer", SimpleNamespace(score=broken))
    seen: list[tuple[str, str]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append((record.getMessage(), getattr(record, "request_id", "")))

    keep = Keep()
    keep.addFilter(RequestIdFilter())
    logging.getLogger("pepper").addHandler(keep)
    try:
        response = client.post(
            "/v1/screen",
            json={"number": NUMBER},
            headers={**headers, "X-Request-ID": "call-0123456789"},
        )
    finally:
        logging.getLogger("pepper").removeHandler(keep)
    assert response.json is not None
    assert response.json["degraded"] is True
    assert ("scoring on the lookup thread", "call-0123456789") in seen
    assert ("decision lookups failed", "call-0123456789") in seen
