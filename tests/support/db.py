"""Emptying every table between tests, on either database."""

from __future__ import annotations

from sqlalchemy import Engine, text

from pepper.models import metadata


def empty_tables(engine: Engine) -> None:
    tables = [t.name for t in metadata.sorted_tables]
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(text(f'DELETE FROM "{table}"'))
