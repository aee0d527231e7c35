"""Migrations are the schema: they round-trip and agree with the models on both databases."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from pepper.db import migrations
from pepper.models import metadata
from tests.support.services import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    else:
        with postgres_database("mig") as url:
            yield url


def test_upgrade_downgrade_upgrade_leaves_a_schema_that_matches_the_models(fresh_url: str) -> None:
    migrations.upgrade(fresh_url)
    migrations.downgrade(fresh_url, "base")
    engine = create_engine(fresh_url)
    try:
        with engine.connect() as connection:
            leftover = set(inspect(connection).get_table_names()) - {"alembic_version"}
        assert leftover == set()

        migrations.upgrade(fresh_url)
        with engine.connect() as connection:
            assert migrations.current_revision(connection) == migrations.head_revision()
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_migrations_on_postgres_hold_the_deployers_advisory_lock_only_while_running(
    request: pytest.FixtureRequest,
) -> None:
    with postgres_database("lock") as url:
        migrations.upgrade(url)
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                held = connection.execute(
                    text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
                ).scalar_one()
            assert held == 0
        finally:
            engine.dispose()
