"""The bulkhead's slots (pepper/db/bulkhead.py) are for database time only."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask

from pepper.auth.tokens import hash_token
from pepper.db.bulkhead import EXTENSION_KEY
from pepper.http.limits import LIMITER_KEY
from tests.support.factories import register
from tests.support.outage import runtime_of


def test_a_slow_rate_limit_check_holds_no_database_slot(make_app: Callable[..., Flask]) -> None:
    """Found by the cluster run: with Redis 100 ms away, requests held every slot while
    the limiter waited on Redis, and one more was shed with a 503 though PostgreSQL was
    healthy. The limiter's check must come before a slot is taken."""
    app = make_app(db_request_slots=1)
    headers = register(app.test_client())
    hooks = app.before_request_funcs[None]
    check = app.extensions[LIMITER_KEY]._check_request_limit
    position = next(i for i, hook in enumerate(hooks) if hook == check)

    slow = ["first"]

    def slow_check() -> None:  # the first request's limiter waits on a slow Redis
        if slow and slow.pop():
            time.sleep(0.5)
        check()

    hooks[position] = slow_check

    def me() -> int:
        return app.test_client().get("/v1/devices/me", headers=headers).status_code

    with ThreadPoolExecutor(2) as pool:
        waiting = pool.submit(me)
        time.sleep(0.15)  # arrives while the first one is still in its limiter check
        quick = pool.submit(me)
        assert quick.result() == 200  # a slot was free: the first held none
        assert waiting.result() == 200


def unknown_to_the_standby(app: Flask) -> dict[str, str]:
    """A device Redis does not know (Redis restarted empty since it registered)."""
    headers = register(app.test_client())
    standby = runtime_of(app).standby
    assert standby is not None
    standby.devices.forget(hash_token(headers["Authorization"].removeprefix("Bearer ")))
    return headers


REPORT = {"number": "+12025550143", "verdict": "spam", "category": "fraud"}


def test_a_device_unknown_to_the_standby_waits_a_moment_for_a_slot(
    make_app: Callable[..., Flask], backend: str
) -> None:
    """Found by the cluster run: with PostgreSQL 100 ms slow every slot was busy, and a
    device Redis had forgotten (Redis restarted empty) got a 503 at once, though a slot
    freed moments later."""
    if backend != "postgresql":
        pytest.skip("the embedded default has no standby: every request waits on its file")
    app = make_app(db_request_slots=1, db_slot_wait_ms=2000)
    headers = unknown_to_the_standby(app)
    bulkhead = app.extensions[EXTENSION_KEY]
    assert bulkhead.enter()  # another request holds the only slot...
    threading.Timer(0.2, bulkhead.leave).start()  # ...for 200 ms
    began = time.monotonic()
    answer = app.test_client().post("/v1/reports", json=REPORT, headers=headers)
    assert answer.status_code == 201, answer.json  # authenticated and stored live
    assert 0.15 < time.monotonic() - began < 2.0
    assert bulkhead.enter()  # and the slot it took was given back
    bulkhead.leave()


def test_without_a_slot_in_time_an_unknown_device_gets_a_503(
    make_app: Callable[..., Flask], backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("the embedded default has no standby: every request waits on its file")
    app = make_app(db_request_slots=1, db_slot_wait_ms=100)
    headers = unknown_to_the_standby(app)
    bulkhead = app.extensions[EXTENSION_KEY]
    assert bulkhead.enter()
    try:
        answer = app.test_client().post("/v1/reports", json=REPORT, headers=headers)
    finally:
        bulkhead.leave()
    assert (answer.status_code, answer.json["code"] if answer.json else None) == (
        503,
        "database_unavailable",
    )
    assert "Retry-After" in answer.headers
