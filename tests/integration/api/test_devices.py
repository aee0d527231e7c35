from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from pepper.auth.models import ApiClient
from pepper.runtime import Runtime
from tests.support.factories import device_body, register


def test_registration_returns_a_prefixed_token_once_and_stores_only_its_hash(
    client: FlaskClient, runtime: Runtime
) -> None:
    response = client.post("/v1/devices", json=device_body())
    assert response.status_code == 201
    assert response.json is not None
    token = response.json["token"]
    assert token.startswith("pep_")
    assert len(token) > 40
    with runtime.uow() as uow:
        stored = uow.session.scalars(select(ApiClient)).one()
        assert token not in (stored.token_hash, stored.token_hint, stored.name)
        assert len(stored.token_hash) == 64
    me = client.get("/v1/devices/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json is not None
    assert "token" not in me.json


def test_unknown_fields_and_bad_values_are_rejected_with_the_field_named(
    client: FlaskClient,
) -> None:
    response = client.post("/v1/devices", json=device_body(weight=10))
    assert response.status_code == 422
    assert response.json is not None
    assert "weight" in response.json["errors"]["json"]
    response = client.post("/v1/devices", json=device_body(platform="symbian"))
    assert response.status_code == 422


def test_every_v1_route_needs_a_live_token(client: FlaskClient) -> None:
    for method, path in [
        ("get", "/v1/devices/me"),
        ("post", "/v1/screen"),
        ("get", "/v1/lists/allow"),
        ("post", "/v1/reports"),
        ("get", "/v1/numbers/+14155550123"),
    ]:
        for headers in (
            {},
            {"Authorization": "Bearer pep_not-a-real-token"},
            {"Authorization": "Basic x"},
        ):
            response = getattr(client, method)(path, json={"number": "4155550123"}, headers=headers)
            assert response.status_code == 401, (method, path, headers)
            assert response.mimetype == "application/problem+json"


def test_erasing_a_device_revokes_it_on_every_server_at_once(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    headers = register(first)
    assert second.get("/v1/devices/me", headers=headers).status_code == 200
    assert first.delete("/v1/devices/me", headers=headers).status_code == 204
    assert second.get("/v1/devices/me", headers=headers).status_code == 401
    assert (
        second.post("/v1/screen", json={"number": "4155550123"}, headers=headers).status_code == 401
    )


def test_erasing_a_device_deletes_its_lists_and_unlinks_its_reports(
    client: FlaskClient, runtime: Runtime
) -> None:
    from pepper.lists.models import ListEntry
    from pepper.reports.models import Report

    headers = register(client)
    client.post("/v1/lists/block", json={"pattern": "+1415555*"}, headers=headers)
    client.post("/v1/reports", json={"number": "+12025550143", "verdict": "spam"}, headers=headers)
    client.delete("/v1/devices/me", headers=headers)
    with runtime.uow() as uow:
        assert uow.session.scalars(select(ListEntry)).all() == []
        reports = uow.session.scalars(select(Report)).all()
        assert [(r.e164, r.device_id) for r in reports] == [("+12025550143", None)]


def test_settings_can_be_changed_but_not_the_identity(client: FlaskClient) -> None:
    headers = register(client)
    response = client.patch(
        "/v1/devices/me",
        json={"sensitivity": "high", "own_number": "(415) 555-0100"},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json is not None
    assert (response.json["sensitivity"], response.json["own_number"]) == ("high", "+14155550100")
    assert (
        client.patch("/v1/devices/me", json={"platform": "ios"}, headers=headers).status_code == 422
    )
