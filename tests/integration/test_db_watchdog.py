"""A PostgreSQL that stops answering costs a bounded wait, not the outage's length.

Found by the cluster run (bench/cluster_scenario.py): during a 10 s PostgreSQL
blackhole, requests waited on queries the server never answered and phones got no
answer at all. The fault proxy of the cluster sits between the engine and the real
PostgreSQL here and holds every byte, as a frozen server or a partitioned network does.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from cluster.faultproxy import serve, write_mode
from pepper.db import driver, make_engine
from pepper.db.dialect import allow_long_statements
from pepper.settings import Settings
from tests.support.server import free_port
from tests.support.services import postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxied_url(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    control = tmp_path / "proxy.json"
    write_mode(control, "pass")
    port = free_port()
    with postgres_database("watchdog") as url:
        host_and_db = url.split("@", 1)[1]
        upstream_host, upstream_port = host_and_db.split("/", 1)[0].split(":")
        upstream = (upstream_host, int(upstream_port))
        # A daemon thread for the session's rest: the proxy holds no state worth stopping.
        threading.Thread(
            target=lambda: asyncio.run(serve(port, upstream, control)), daemon=True
        ).start()
        time.sleep(0.3)
        proxied = url.replace(f"{upstream_host}:{upstream_port}", f"127.0.0.1:{port}")
        try:
            yield proxied, control
        finally:
            write_mode(control, "pass")


def test_a_query_to_a_silent_server_fails_after_the_bound(
    proxied_url: tuple[str, Path],
) -> None:
    url, control = proxied_url
    # statement_timeout 500 ms: the watchdog gives up at 1.5 s.
    engine = make_engine(Settings(env="test", database_url=url, db_statement_timeout_ms=500))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    write_mode(control, "blackhole")
    time.sleep(0.3)
    started = time.monotonic()
    with pytest.raises(OperationalError), engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    waited = time.monotonic() - started
    # The ping at checkout is aborted at 1.5 s; the pool's one fresh connection then
    # waits out the connect timeout (3 s). Without the watchdog: until the server is back.
    assert 1.0 <= waited < 6.0, f"waited {waited:.1f} s for a server that never answered"
    write_mode(control, "pass")
    time.sleep(0.3)
    with engine.connect() as connection:  # the aborted connection was replaced
        assert connection.execute(text("SELECT 2")).scalar() == 2
    engine.dispose()


def test_a_deliberately_long_statement_is_not_cut_by_the_watchdog(
    proxied_url: tuple[str, Path],
) -> None:
    url, _ = proxied_url
    engine = make_engine(Settings(env="test", database_url=url, db_statement_timeout_ms=500))
    with Session(engine) as session:
        allow_long_statements(session)  # an operator's bulk import
        assert session.execute(text("SELECT pg_sleep(2), 1")).one()[1] == 1
    with Session(engine) as session, pytest.raises(OperationalError):
        # Checked in and out again: bounded as before (the server cancels it at 0.5 s).
        session.execute(text("SELECT pg_sleep(2)"))
    engine.dispose()


def test_a_decision_read_on_the_drivers_cursor_is_bounded_too(
    proxied_url: tuple[str, Path],
) -> None:
    """The decision's reads skip SQLAlchemy's events (pepper/db/driver.py): the watchdog
    must arm them all the same, or a frozen server holds the lookup thread for good."""
    url, control = proxied_url
    settings = Settings(env="test", database_url=url, db_statement_timeout_ms=500)
    engine = make_engine(settings, pre_ping=False)  # as the decision's engine
    read = text("SELECT 1 AS one")
    outcome: list[object] = []
    # Not closed on failure: a read that was not bounded still holds the connection.
    connection = engine.connect()
    assert driver.fetch_all(connection, read, {}) == [(1,)]
    write_mode(control, "blackhole")
    time.sleep(0.3)

    def attempt() -> None:
        try:
            outcome.append(driver.fetch_all(connection, read, {}))
        except DBAPIError as error:
            outcome.append(error)

    started = time.monotonic()
    reader = threading.Thread(target=attempt, daemon=True)
    reader.start()
    reader.join(timeout=6)
    waited = time.monotonic() - started
    write_mode(control, "pass")
    assert outcome, f"no answer after {waited:.1f} s: the read was not bounded"
    (error,) = outcome
    assert isinstance(error, DBAPIError)
    assert error.connection_invalidated
    assert 1.0 <= waited < 3.0  # statement_timeout + 1 s of grace
    connection.close()
    engine.dispose()
