from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from pepper.diagnostics.models import DecisionFeedback, FieldIssue
from pepper.metrics import MODEL_FEEDBACK
from pepper.runtime import Runtime
from pepper.screening.receipts import model_tag
from tests.support.factories import label, register, screen

SPAMMER = "+12025550143"

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


def _wrong_block(client: FlaskClient, headers: dict[str, str], **extra: object) -> Any:
    return client.post(
        "/v1/field-issues",
        json={**ISSUE, "kind": "wrong_block", "message": "my doctor was blocked", **extra},
        headers=headers,
    )


def test_a_wrong_block_links_to_its_decision_and_becomes_model_feedback(
    client: FlaskClient, runtime: Runtime
) -> None:
    headers = register(client)
    with runtime.uow() as uow:
        label(uow, SPAMMER, "block", "fraud")
    decision = screen(client, headers, SPAMMER)
    assert decision["action"] == "block"
    before = MODEL_FEEDBACK.labels(kind="wrong_block", rung="admin", model=model_tag(None))
    counted = before._value.get()
    response = _wrong_block(
        client, headers, decision_id=decision["decision_id"], number="(202) 555-0143"
    )
    assert response.status_code == 201, response.json
    with runtime.uow() as uow:
        issue = uow.session.scalars(select(FieldIssue)).one()
        feedback = uow.session.scalars(select(DecisionFeedback)).one()
        assert (issue.decision_action, issue.decision_rung) == ("block", "admin")
        assert issue.decision_at is not None
        assert (feedback.e164, feedback.label, feedback.action) == (SPAMMER, 0, "block")
        assert feedback.field_issue_id == issue.id
        assert "5550143" not in f"{issue.message} {issue.stack_trace} {issue.decision_id}"
    assert before._value.get() == counted + 1


def test_a_number_that_is_not_the_decisions_is_refused_and_nothing_is_stored(
    client: FlaskClient, runtime: Runtime
) -> None:
    headers = register(client)
    decision = screen(client, headers, SPAMMER)
    response = _wrong_block(
        client, headers, decision_id=decision["decision_id"], number="+12025550199"
    )
    assert response.status_code == 422
    with runtime.uow() as uow:
        assert uow.session.scalars(select(FieldIssue)).all() == []
        assert uow.session.scalars(select(DecisionFeedback)).all() == []


def test_a_forged_or_old_decision_id_is_kept_but_links_to_nothing(
    client: FlaskClient, runtime: Runtime
) -> None:
    headers = register(client)
    real = screen(client, headers, SPAMMER)["decision_id"]
    forged = ("A" if real[0] != "A" else "B") + real[1:]
    for decision_id in (forged, "0" * 32):
        response = _wrong_block(client, headers, decision_id=decision_id, number=SPAMMER)
        assert response.status_code == 201, response.json
    with runtime.uow() as uow:
        issues = uow.session.scalars(select(FieldIssue).order_by(FieldIssue.id)).all()
        assert [i.decision_action for i in issues] == [None, None]
        assert uow.session.scalars(select(DecisionFeedback)).all() == []
