"""Engines for the two deployments: one function, two dialects, bounded waits everywhere.

A dead TCP connection to PostgreSQL can otherwise hang a worker for minutes
(psycopg2 issue 1017), and a call decision has a budget of milliseconds.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from pepper.db import watchdog
from pepper.settings import Settings


def is_sqlite(settings: Settings) -> bool:
    return make_url(settings.database_url).get_backend_name() == "sqlite"


def make_engine(
    settings: Settings,
    *,
    pre_ping: bool = True,
    pool_size: int | None = None,
    autocommit: bool = False,
) -> Engine:
    """The engine of this deployment.

    ``pre_ping=False`` is for the call decision, whose budget a ping round trip per
    checkout would spend (about a third of a lookup): it retries a dropped connection.
    ``autocommit`` (PostgreSQL) is for the decision too: its connections are set once,
    when opened. Set per checkout (``execution_options``), switching autocommit on and
    back off again at checkin cost 80-100 µs of CPU per cache miss (cProfile).
    """
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(settings, url.database)
    engine = create_engine(
        url,
        # The watchdog pings at checkout instead (when pre_ping), so the ping is bounded too.
        pool_pre_ping=False,
        pool_size=pool_size or settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        # Recycle before typical load-balancer/NAT idle cutoffs silently drop the socket.
        pool_recycle=1800,
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
        connect_args={
            "connect_timeout": settings.db_connect_timeout_s,
            "options": f"-c statement_timeout={settings.db_statement_timeout_ms}",
            "application_name": "pepper",
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
        },
    )
    limit_s = settings.db_statement_timeout_ms / 1000 + watchdog.GRACE_S
    watchdog.install(engine, limit_s, ping=pre_ping)
    return engine


def decay(ref: float, now: float, half_life: float) -> float:
    return 0.5 ** ((now - ref) / half_life) if now > ref else 1.0


def _sqlite_engine(settings: Settings, database: str | None) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{database}" if database else "sqlite://",
        pool_pre_ping=True,
        connect_args={"timeout": settings.sqlite_busy_timeout_s, "check_same_thread": False},
    )
    busy_ms = int(settings.sqlite_busy_timeout_s * 1000)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # WAL lets gunicorn workers read while one writes; foreign keys are off by
        # default in SQLite and we rely on ON DELETE CASCADE.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()
        # The same decay PostgreSQL gets from migration 0002 as a SQL function.
        dbapi_connection.create_function("pepper_decay", 3, decay, deterministic=True)

    return engine
