"""Alembic environment: migrations are the schema, on SQLite and PostgreSQL alike.

On PostgreSQL a migration must never stall the service: ``lock_timeout`` makes a DDL
statement give up instead of queueing every request behind its lock, and an advisory
lock serializes deployers that start migrations on several hosts at once (both as
pypi/warehouse does).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

from pepper.models import metadata

MIGRATION_LOCK_ID = 0x7065707065720001  # "pepper" + 1: one advisory lock for deployers
LOCK_TIMEOUT = "4s"
STATEMENT_TIMEOUT = "5min"


def database_url() -> str:
    url = context.config.attributes.get("database_url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        from pepper.settings import load_settings

        url = load_settings().database_url
    return str(url)


def run_offline() -> None:
    context.configure(url=database_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        is_postgres = connection.dialect.name == "postgresql"
        if is_postgres:
            connection.execute(text(f"SET lock_timeout = '{LOCK_TIMEOUT}'"))
            connection.execute(text(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'"))
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                transaction_per_migration=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            if is_postgres:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID}
                )
                connection.commit()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
