"""The call decision's reads, run on the PostgreSQL driver's own cursor.

Through ``Connection.execute`` a read of a caller's signals cost ~270-420 µs of CPU in
the process, against ~50 µs for the same prepared statement on psycopg's cursor
(in-process, 3,000 reads, same run): SQLAlchemy builds an execution context per
statement and a result's metadata from the cursor's description, 11 to 21 columns
each time. A decision reads on every cache miss, and with five gunicorn processes each
keeping its own cache a quarter of the benchmark's calls missed (bench.twilio_load).

What SQLAlchemy did for these reads is done here: the statement is rendered for the
dialect once; the watchdog arms the round trip (pepper/db/watchdog.py); a driver error
becomes SQLAlchemy's ``DBAPIError``, and a lost connection is invalidated so that the
pool replaces it and ``once_more_if_dropped`` retries, as before. The pooled
connection, its checkout and its autocommit stay SQLAlchemy's. Other dialects (SQLite)
take the usual path: their reads cost no round trip to speak of.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Connection, Engine, TextClause
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

from pepper.db import watchdog

# Told of each statement run here, with its engine: SQLAlchemy's events do not see these
# statements (the tests count a decision's round trips with both).
Observer = Callable[[Engine, str], None]
_observers: list[Observer] = []


def observe(observer: Observer) -> Callable[[], None]:
    """Tell ``observer`` of every statement run on a driver's cursor; returns the undo."""
    _observers.append(observer)
    return lambda: _observers.remove(observer)


def fetch_all(
    connection: Connection, statement: TextClause, params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """Every row of ``statement`` (no expanding parameters), as tuples."""
    dialect = connection.dialect
    if dialect.name != "postgresql":
        return [tuple(row) for row in connection.execute(statement, params)]
    sql = _rendered(statement, dialect)
    for observer in _observers:
        observer(connection.engine, sql)
    pooled = connection.connection
    dbapi_connection = pooled.dbapi_connection
    guard = watchdog.of(connection.engine)
    cursor = dbapi_connection.cursor()  # type: ignore[union-attr]
    key = id(cursor)
    try:
        if guard is not None and not pooled.info.get(watchdog.UNBOUNDED):
            guard.arm(key, dbapi_connection)
        cursor.execute(sql, params)
        # psycopg's default rows are tuples already.
        return cast(list[tuple[Any, ...]], cursor.fetchall())
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, dbapi_connection, cursor)
        if lost:
            connection.invalidate(error)
        raise DBAPIError.instance(
            sql, dict(params), error, dialect.loaded_dbapi.Error,
            connection_invalidated=lost, dialect=dialect,
        ) from error  # fmt: skip
    finally:
        if guard is not None:
            guard.disarm(key)
        cursor.close()


@lru_cache(maxsize=64)  # a few statements, per dialect: each engine has its own
def _rendered(statement: TextClause, dialect: Dialect) -> str:
    # Named parameters in the driver's style ("%(e164)s"), a literal % doubled.
    return str(statement.compile(dialect=dialect))
