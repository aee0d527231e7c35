"""Operator labels: admin routes and CLI that clear a spoofed number or block a range."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from pepper.runtime import Runtime
from tests.support.factories import register, report_spam, screen

SPOOFED = "+12025550143"


def admin_token(app: Flask) -> dict[str, str]:
    result = app.test_cli_runner().invoke(args=["admin", "create-token", "ops"])
    assert result.exit_code == 0, result.output
    return {"Authorization": f"Bearer {result.output.strip()}"}


def test_an_operator_clears_a_spoofed_number_and_takes_the_label_back(
    app: Flask, client: FlaskClient, runtime: Runtime
) -> None:
    report_spam(client, runtime.uow, SPOOFED, 6)
    device = register(client)
    assert screen(client, device, SPOOFED)["action"] == "block"
    admin = admin_token(app)

    cleared = client.post(
        "/admin/labels",
        json={"pattern": "(202) 555-0143", "verdict": "allow", "note": "spoofed, ticket 12"},
        headers=admin,
    )
    assert cleared.status_code == 201, cleared.json
    assert cleared.json is not None
    assert (cleared.json["pattern"], cleared.json["verdict"]) == (SPOOFED, "allow")
    decision = screen(client, device, SPOOFED)
    assert (decision["action"], decision["reasons"][0]["code"]) == ("allow", "admin_cleared")

    page = client.get("/admin/labels", headers=admin).json
    assert page is not None
    assert [item["pattern"] for item in page["items"]] == [SPOOFED]
    gone = client.delete(f"/admin/labels/{cleared.json['id']}", headers=admin)
    assert gone.status_code == 204
    assert screen(client, device, SPOOFED)["action"] == "block"


def test_setting_a_label_again_replaces_it(app: Flask, client: FlaskClient) -> None:
    admin = admin_token(app)
    body = {"pattern": "+1202555*", "verdict": "block", "category": "fraud"}
    assert client.post("/admin/labels", json=body, headers=admin).status_code == 201
    replaced = client.post("/admin/labels", json={**body, "verdict": "allow"}, headers=admin)
    assert replaced.status_code == 200
    assert replaced.json is not None
    # A clearing label carries no spam category.
    assert (replaced.json["verdict"], replaced.json["category"]) == ("allow", None)
    decision = screen(client, register(client), SPOOFED)
    assert decision["reasons"][0]["code"] == "admin_cleared"


def test_labels_refuse_bad_input_and_device_tokens(app: Flask, client: FlaskClient) -> None:
    admin = admin_token(app)
    for body in (
        {"pattern": "911", "verdict": "block"},
        {"pattern": "+1202555*", "verdict": "maybe"},
        {"pattern": "+1202555*", "verdict": "block", "category": "aliens"},
        {"pattern": "not a number", "verdict": "block"},
    ):
        response = client.post("/admin/labels", json=body, headers=admin)
        assert response.status_code == 422, (body, response.json)
        assert response.mimetype == "application/problem+json"
    device = register(client)
    refused = client.post(
        "/admin/labels", json={"pattern": SPOOFED, "verdict": "allow"}, headers=device
    )
    assert refused.status_code == 401
    assert client.delete("/admin/labels/12345", headers=admin).status_code == 404


def test_labels_are_managed_from_the_cli_too(app: Flask, client: FlaskClient) -> None:
    runner = app.test_cli_runner()
    added = runner.invoke(args=["labels", "set", "+1202555*", "block", "--category", "fraud"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(args=["labels", "list"])
    assert "+1202555*\tblock\tfraud" in listed.output
    assert screen(client, register(client), SPOOFED)["action"] == "block"
    label_id = listed.output.split("\t", 1)[0]
    assert runner.invoke(args=["labels", "remove", label_id]).exit_code == 0
    assert runner.invoke(args=["labels", "remove", label_id]).exit_code != 0
    assert runner.invoke(args=["labels", "set", "911", "block"]).exit_code != 0
