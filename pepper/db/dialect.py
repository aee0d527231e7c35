"""The few statements whose spelling differs between PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pepper.db.watchdog import step_aside

SQLITE_BATCH = 5000


def upsert(session: Session, table: Any) -> Any:
    """An ``INSERT`` that can take ``ON CONFLICT ...`` on either database.

    Both dialects' inserts offer ``on_conflict_do_nothing`` / ``on_conflict_do_update``
    with the same signature, which is all the callers use.
    """
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def fill_staging_table(
    session: Session, name: str, shape: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Create temporary table ``name`` shaped like the query ``shape`` and load ``rows``.

    Bulk loads go through a staging table so that one ``INSERT ... SELECT ... ON
    CONFLICT DO NOTHING`` (with joins) moves them: on PostgreSQL the rows are streamed
    with COPY, several times faster than batched INSERTs; SQLite takes plain batches.
    ``name``, ``shape`` and ``columns`` come from our own code, never from input.
    """
    cols = ", ".join(columns)
    session.execute(text(f"CREATE TEMP TABLE {name} AS {shape} WHERE 1 = 0"))
    if session.get_bind().dialect.name == "postgresql":
        cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {name} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # The DBAPI's executemany with plain tuples: SQLAlchemy's per-row parameter
    # processing would cost more than the insert itself here.
    placeholders = ", ".join("?" for _ in columns)
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.executemany(f"INSERT INTO {name} ({cols}) VALUES ({placeholders})", rows)  # noqa: S608


def allow_long_statements(session: Session, timeout: str = "10min") -> None:
    """Lift the service-wide statement timeout for this transaction only.

    The default timeout protects request paths; a bulk import is a deliberate, long
    statement run by an operator.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL statement_timeout = '{timeout}'"))
        step_aside(session.connection().connection.info)  # the client-side bound too
