"""Fail open, on time: a sick dependency never blocks or drops a call."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask import Flask

from pepper.metrics import FAIL_OPEN
from pepper.tally import tally
from tests.support.blackhole import blackhole, closed_port
from tests.support.factories import register, screen

TOKEN = {"Authorization": "Bearer pep_a-token-the-dead-database-cannot-check"}
# The deadline is 300 ms of server time; the margin covers a loaded 2-core test machine.
DEADLINE_S = 0.3
MARGIN_S = 0.7


def fail_open_count(cause: str) -> float:
    tally.flush()
    return FAIL_OPEN.labels(route="screen", cause=cause)._value.get()


def timed_screen(app: Flask) -> tuple[float, dict]:  # type: ignore[type-arg]
    started = time.monotonic()
    response = app.test_client().post("/v1/screen", json={"number": "+12025550143"}, headers=TOKEN)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.json
    assert response.json is not None
    return elapsed, response.json


def assert_degraded_allow(body: dict) -> None:  # type: ignore[type-arg]
    assert body["action"] == "allow"
    assert body["degraded"] is True
    assert body["reasons"][0]["code"] == "degraded"
    assert body["cache_ttl_s"] == 0
    assert body["android"]["disallow"] is False


def test_an_unreachable_database_degrades_to_allow_within_the_deadline(
    make_app: Callable[..., Flask],
) -> None:
    with blackhole() as port:
        app = make_app(
            database_url=f"postgresql+psycopg://pepper@127.0.0.1:{port}/pepper",
            breaker_failures=3,
            breaker_reset_s=60,
        )
        before = fail_open_count("deadline")
        for _ in range(3):
            elapsed, body = timed_screen(app)
            assert_degraded_allow(body)
            assert elapsed < DEADLINE_S + MARGIN_S
        assert fail_open_count("deadline") == before + 3
        # The breaker is open now: a dead database costs nothing per call.
        elapsed, body = timed_screen(app)
        assert_degraded_allow(body)
        assert elapsed < 0.1
        assert "breaker_open" in body["reasons"][0]["detail"]


def test_a_stopped_database_degrades_to_allow_at_once(make_app: Callable[..., Flask]) -> None:
    app = make_app(database_url=f"postgresql+psycopg://pepper@127.0.0.1:{closed_port()}/pepper")
    elapsed, body = timed_screen(app)
    assert_degraded_allow(body)
    assert elapsed < DEADLINE_S + MARGIN_S


def test_a_stopped_redis_changes_nothing_for_screening_or_registration(
    make_app: Callable[..., Flask], backend: str
) -> None:
    app = make_app(redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    client = app.test_client()
    headers = register(client)  # rate limits fall back to this process's memory
    decision = screen(client, headers, "+12025550143")
    assert decision["degraded"] is False


def test_a_bug_in_the_policy_degrades_to_allow(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    import pepper.screening.service as service

    def broken(*args: object) -> None:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(service, "decide", broken)
    client = app.test_client()
    decision = screen(client, register(client), "+12025550143")
    assert_degraded_allow(decision)


def test_a_connection_the_database_dropped_is_retried_not_failed_open(app: Flask) -> None:
    """The decision's pool skips the pre-ping round trip; a connection the database
    closed (a restart, an idle cutoff) must cost one retry, not a degraded call."""
    client = app.test_client()
    headers = register(client)
    assert screen(client, headers, "+12025550143")["degraded"] is False
    engine = app.extensions["pepper"].decision_engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    with app.extensions["pepper"].engine.connect() as admin:
        me = admin.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        killed = admin.exec_driver_sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> %(me)s",
            {"me": me},
        ).scalar_one()
    assert killed >= 1
    before = fail_open_count("OperationalError")
    # Another caller: the first one's evidence is in this process's cache, and a call
    # answered from memory would not touch the dropped connection.
    decision = screen(client, headers, "+12025550188")
    assert decision["degraded"] is False
    assert fail_open_count("OperationalError") == before
