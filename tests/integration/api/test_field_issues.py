from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from pepper.diagnostics.models import FieldIssue
from pepper.runtime import Runtime
from tests.support.factories import register

ISSUE = {
    "kind": "call_not_screened",
    "message": "screening service never called for +1 (415) 555-0123",
    "app_version": "1.4.0",
    "os_name": "android",
    "os_version": "14",
    "manufacturer": "Acme",
    "device_model": "Phone 7",
    "carrier": "T-Mobile",
    "screening_latency_ms": 5200,
    "stack_trace": "java.lang.IllegalStateException: 4155550123\n  at Screening.onScreen",
}


def test_a_field_issue_is_stored_without_phone_numbers(
    client: FlaskClient, runtime: Runtime
) -> None:
    response = client.post("/v1/field-issues", json=ISSUE, headers=register(client))
    assert response.status_code == 201
    with runtime.uow() as uow:
        stored = uow.session.scalars(select(FieldIssue)).one()
        assert "555" not in stored.message
        assert stored.stack_trace is not None
        assert "4155550123" not in stored.stack_trace
        assert (stored.kind, stored.device_model, stored.os_version) == (
            "call_not_screened", "Phone 7", "14",
        )  # fmt: skip


def test_bad_field_issues_are_refused(client: FlaskClient) -> None:
    headers = register(client)
    for bad in ({**ISSUE, "kind": "meltdown"}, {**ISSUE, "message": "x" * 2000},
                {**ISSUE, "decision_id": "not-an-id"}, {**ISSUE, "extra": 1}):  # fmt: skip
        assert client.post("/v1/field-issues", json=bad, headers=headers).status_code == 422


def test_the_summary_groups_issues_by_kind_model_os_and_app_version(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(rate_limit_register="1000/hour")
    client = app.test_client()
    for model, n in (("Phone 7", 3), ("Phone 8", 1)):
        for _ in range(n):
            headers = register(client)
            client.post("/v1/field-issues", json={**ISSUE, "device_model": model}, headers=headers)
    token = app.test_cli_runner().invoke(args=["admin", "create-token", "ops"]).output.strip()
    rows = client.get(
        "/admin/field-issues/summary?hours=1", headers={"Authorization": f"Bearer {token}"}
    ).json
    assert rows == [
        {"kind": "call_not_screened", "device_model": "Phone 7", "os_version": "14",
         "app_version": "1.4.0", "count": 3},
        {"kind": "call_not_screened", "device_model": "Phone 8", "os_version": "14",
         "app_version": "1.4.0", "count": 1},
    ]  # fmt: skip
