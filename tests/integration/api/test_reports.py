"""Reports: idempotent submission, exact counters, ownership."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from pepper.db import utcnow
from pepper.reports.models import IdempotencyKey, Report
from pepper.reputation.models import ReputationCounter
from pepper.runtime import Runtime
from tests.support.factories import register

SPAM = {"number": "+12025550143", "verdict": "spam", "category": "telemarketer"}


def reports_in_db(runtime: Runtime) -> int:
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Report)) or 0)


def test_a_replay_with_the_same_key_returns_the_stored_response(
    client: FlaskClient, runtime: Runtime
) -> None:
    headers = {**register(client), "Idempotency-Key": "a1"}
    first = client.post("/v1/reports", json=SPAM, headers=headers)
    again = client.post("/v1/reports", json=SPAM, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert reports_in_db(runtime) == 1


def test_the_same_key_with_a_different_body_is_422(client: FlaskClient) -> None:
    headers = {**register(client), "Idempotency-Key": "a1"}
    client.post("/v1/reports", json=SPAM, headers=headers)
    response = client.post("/v1/reports", json={**SPAM, "verdict": "not_spam"}, headers=headers)
    assert response.status_code == 422


def test_a_key_still_in_flight_is_409(client: FlaskClient, runtime: Runtime) -> None:
    headers = {**register(client), "Idempotency-Key": "a1"}
    client.post("/v1/reports", json=SPAM, headers={**headers, "Idempotency-Key": "other"})
    with runtime.uow() as uow:
        # The claim of a request that is still running on another server.
        row = uow.session.scalars(select(IdempotencyKey)).one()
        uow.session.add(
            IdempotencyKey(
                client_id=row.client_id,
                key="a1",
                request_hash=row.request_hash,
                state="in_flight",
                created_at=utcnow(),
                expires_at=row.expires_at,
            )
        )
        uow.commit()
    assert client.post("/v1/reports", json=SPAM, headers=headers).status_code == 409


def test_keys_are_kept_for_at_least_thirty_days(client: FlaskClient, runtime: Runtime) -> None:
    client.post("/v1/reports", json=SPAM, headers={**register(client), "Idempotency-Key": "k"})
    with runtime.uow() as uow:
        row = uow.session.scalars(select(IdempotencyKey)).one()
        assert (row.expires_at - row.created_at).days >= 30


def test_twenty_concurrent_identical_requests_store_one_report(
    app: Flask, runtime: Runtime
) -> None:
    headers = {**register(app.test_client()), "Idempotency-Key": "burst"}
    barrier = threading.Barrier(20)

    def send(_: int) -> tuple[int, dict | None]:  # type: ignore[type-arg]
        client = app.test_client()
        barrier.wait()
        response = client.post("/v1/reports", json=SPAM, headers=headers)
        return response.status_code, response.json

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(send, range(20)))
    statuses = [status for status, _ in results]
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    bodies = {str(body) for status, body in results if status == 201}
    assert len(bodies) == 1
    assert reports_in_db(runtime) == 1


def test_one_device_counts_once_per_number(client: FlaskClient, runtime: Runtime) -> None:
    headers = register(client)
    assert client.post("/v1/reports", json=SPAM, headers=headers).status_code == 201
    assert client.post("/v1/reports", json=SPAM, headers=headers).status_code == 200
    with runtime.uow() as uow:
        row = uow.session.get_one(ReputationCounter, "n:+12025550143")
        assert row.spam_n == 1
    flipped = client.post("/v1/reports", json={**SPAM, "verdict": "not_spam"}, headers=headers)
    assert flipped.status_code == 201
    with runtime.uow() as uow:
        row = uow.session.get_one(ReputationCounter, "n:+12025550143")
        assert (row.spam_n, row.ham_n) == (0, 1)
        assert abs(row.spam_w) < 1e-9


def test_the_weight_of_a_report_cannot_be_set_by_the_client(client: FlaskClient) -> None:
    response = client.post("/v1/reports", json={**SPAM, "weight": 100}, headers=register(client))
    assert response.status_code == 422


def test_emergency_numbers_cannot_be_reported(client: FlaskClient) -> None:
    response = client.post("/v1/reports", json={**SPAM, "number": "911"}, headers=register(client))
    assert response.status_code == 422


def test_a_device_lists_and_withdraws_only_its_own_reports(
    client: FlaskClient, runtime: Runtime
) -> None:
    alice, bob = register(client), register(client)
    created = client.post("/v1/reports", json=SPAM, headers=alice)
    assert created.json is not None
    report_id = created.json["id"]
    assert client.get("/v1/reports", headers=bob).json == {"items": [], "next_cursor": None}
    assert client.delete(f"/v1/reports/{report_id}", headers=bob).status_code == 404
    listed = client.get("/v1/reports", headers=alice).json
    assert listed is not None
    assert [r["id"] for r in listed["items"]] == [report_id]
    assert client.delete(f"/v1/reports/{report_id}", headers=alice).status_code == 204
    assert reports_in_db(runtime) == 0
    with runtime.uow() as uow:
        row = uow.session.get_one(ReputationCounter, "n:+12025550143")
        assert row.spam_n == 0
        assert abs(row.spam_w) < 1e-9


def test_expired_keys_are_purged_and_live_ones_kept(
    app: Flask, client: FlaskClient, runtime: Runtime
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    for key in ("old", "new"):
        client.post("/v1/reports", json=SPAM, headers={**register(client), "Idempotency-Key": key})
    with runtime.uow() as uow:
        uow.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "old")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        uow.commit()
    result = app.test_cli_runner().invoke(args=["reports", "purge-keys"])
    assert "purged 1 expired" in result.output
    with runtime.uow() as uow:
        assert [k.key for k in uow.session.scalars(select(IdempotencyKey))] == ["new"]
