"""Every error, whatever raised it, is one problem+json shape."""

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from pepper.auth.models import ApiClient
from pepper.runtime import Runtime

PROBLEM_KEYS = {"type", "title", "status", "code"}


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    return body


def test_an_unknown_route_is_a_404_problem(client: FlaskClient) -> None:
    body = assert_problem(client.get("/no/such/thing"), 404)
    assert body["code"] == "not_found"


def test_a_wrong_method_is_a_405_problem_that_names_the_allowed_ones(client: FlaskClient) -> None:
    response = client.post("/livez")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_crash_is_a_500_problem_that_leaks_nothing(app: Flask) -> None:
    def explode() -> str:
        raise RuntimeError("caller +14155550123 broke it")

    app.add_url_rule("/explode", "explode", explode)
    response = app.test_client().get("/explode")
    body = assert_problem(response, 500)
    assert "4155550123" not in response.get_data(as_text=True)
    assert "detail" not in body


def test_the_openapi_document_is_served(client: FlaskClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json is not None
    assert response.json["openapi"].startswith("3.")


def test_an_oversized_body_is_a_413_problem_and_nothing_is_stored(
    client: FlaskClient, runtime: Runtime
) -> None:
    body = b'{"platform": "android", "app_version": "' + b"x" * 100_000 + b'"}'
    response = client.post("/v1/devices", data=body, headers={"Content-Type": "application/json"})
    assert_problem(response, 413)
    with runtime.uow() as uow:
        assert uow.session.scalars(select(ApiClient)).all() == []
