"""Decisions from each process's memory: no round trip when everything is known, and
every server forgets within one poll of the change log what a write made wrong."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, event, text

from pepper.db import driver
from pepper.db.changes import ChangeFeed, Notice, note
from pepper.runtime import Runtime
from tests.support.factories import register, screen

CALLER = "+12025550143"
SYNC_S = 0.1


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The statements run on ``engine``: through SQLAlchemy, and on the driver's cursor
    (the decision's reads on PostgreSQL, pepper/db/driver.py)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    def count_driver_read(on: Engine, statement: str) -> None:
        if on is engine:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    forget = driver.observe(count_driver_read)
    try:
        yield seen
    finally:
        forget()
        event.remove(engine, "before_cursor_execute", count)


def until(check: Callable[[], bool], limit_s: float) -> float:
    """Seconds until ``check`` holds (fails the test past ``limit_s``)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < limit_s, f"not within {limit_s} s"
        time.sleep(0.02)
    return time.monotonic() - started


def test_a_second_decision_on_a_known_device_and_caller_makes_no_round_trip(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(cache_sync_s=SYNC_S)
    client = app.test_client()
    headers = register(client)
    rt: Runtime = app.extensions["pepper"]
    rt.changes.start()  # as a gunicorn worker does before its first request
    first = screen(client, headers, CALLER)
    # On SQLite the decision's engine is the main one: listen once per engine.
    engines = list({id(e): e for e in (rt.engine, rt.decision_engine)}.values())
    with statements(engines[0]) as reads, statements(engines[-1]) as more:
        second = screen(client, headers, CALLER)
        other_caller = screen(client, headers, "+12025550188")
    # The change feed polls on its own thread; only the request's statements count here.
    reads = [s for s in reads + (more if len(engines) > 1 else []) if "changes" not in s]
    assert (second["action"], second["degraded"]) == (first["action"], False)
    assert other_caller["degraded"] is False
    # One read for the caller it had not seen; none for the one it had, nor the device.
    assert len(reads) == 1, reads
    assert "list_entries" not in reads[0]


def test_a_list_edit_on_one_server_reaches_another_servers_cached_device_in_a_poll(
    make_app: Callable[..., Flask],
) -> None:
    first, second = make_app(cache_sync_s=SYNC_S), make_app(cache_sync_s=SYNC_S)
    headers = register(first.test_client())
    caller = first.test_client()
    assert screen(caller, headers, CALLER)["action"] == "allow"  # cached by the first
    added = second.test_client().post(
        "/v1/lists/block", json={"pattern": "+1202555*"}, headers=headers
    )
    assert added.status_code == 201
    took = until(lambda: screen(caller, headers, CALLER)["action"] == "block", 3.0)
    assert took < 1.0


def test_the_server_that_made_a_change_forgets_at_once(make_app: Callable[..., Flask]) -> None:
    app = make_app(cache_sync_s=5.0)  # no poll in this test's time: only the commit hook
    client = app.test_client()
    headers = register(client)
    assert screen(client, headers, CALLER)["action"] == "allow"
    client.post("/v1/lists/block", json={"pattern": CALLER}, headers=headers)
    assert screen(client, headers, CALLER)["action"] == "block"


def test_an_erased_device_is_refused_by_every_server_within_a_poll(
    make_app: Callable[..., Flask],
) -> None:
    first, second = make_app(cache_sync_s=SYNC_S), make_app(cache_sync_s=SYNC_S)
    headers = register(first.test_client())
    assert screen(first.test_client(), headers, CALLER)["degraded"] is False
    assert second.test_client().delete("/v1/devices/me", headers=headers).status_code == 204

    def refused() -> bool:
        response = first.test_client().post("/v1/screen", json={"number": CALLER}, headers=headers)
        return response.status_code == 401

    assert until(refused, 3.0) < 1.0


def test_an_operator_label_reaches_every_server_within_a_poll(
    make_app: Callable[..., Flask],
) -> None:
    from tests.support.factories import label

    first, second = make_app(cache_sync_s=SYNC_S), make_app(cache_sync_s=SYNC_S)
    headers = register(first.test_client())
    client = first.test_client()
    assert screen(client, headers, CALLER)["action"] == "allow"
    with second.app_context(), second.extensions["pepper"].uow() as uow:
        label(uow, "+1202555*", "block", "fraud")
    assert until(lambda: screen(client, headers, CALLER)["action"] == "block", 3.0) < 1.0


def test_without_a_fresh_change_feed_no_device_is_trusted(make_app: Callable[..., Flask]) -> None:
    app = make_app(cache_sync_s=SYNC_S)
    client = app.test_client()
    headers = register(client)
    rt: Runtime = app.extensions["pepper"]
    screener = app.extensions["pepper.screener"]
    # A read is kept only once the feed is fresh and past the registration's notice; on a
    # loaded machine the first decision may come before both.
    until(lambda: bool(screen(client, headers, CALLER)) and len(screener.cache._devices) > 0, 3.0)
    key = next(iter(screener.cache._devices))  # the device's copy, by its token
    assert screener.cache.device(key) is not None
    rt.changes._last_ok = 0.0  # as if every poll had failed for a long time
    rt.changes.stop()
    assert screener.cache.device(key) is None


def test_a_change_committed_out_of_id_order_is_not_missed(runtime: Runtime, backend: str) -> None:
    """Ids are taken at insert, rows appear at commit: the feed asks again for ids it
    skipped, so a slow transaction's notice still arrives."""
    if backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time: ids commit in order")
    feed = ChangeFeed(runtime.engine, interval_s=60)
    heard: list[Notice] = []
    feed.listen(heard.extend)
    feed.poll()  # starts from the newest id
    slow = runtime.session_factory()
    note(slow, "device", 1)
    slow.flush()  # the slow transaction holds the lower id, uncommitted
    with runtime.uow() as uow:
        uow.note_change("device", 2)
        uow.commit()
    feed.poll()
    assert heard == [Notice("device", "2")]
    slow.commit()
    slow.close()
    feed.poll()
    assert heard == [Notice("device", "2"), Notice("device", "1")]


def test_a_change_log_that_started_again_forgets_everything(runtime: Runtime) -> None:
    feed = ChangeFeed(runtime.engine, interval_s=60)
    heard: list[Notice] = []
    feed.listen(heard.extend)
    with runtime.uow() as uow:
        for device_id in range(3):
            uow.note_change("device", device_id)
        uow.commit()
    feed.poll()
    with runtime.engine.begin() as connection:
        connection.execute(text("DELETE FROM changes"))
    feed._after = 10**9  # as if the log had held far more before it was reset
    feed.poll()
    assert heard == [Notice("all", "")]
