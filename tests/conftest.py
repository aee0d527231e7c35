"""Fixtures shared by every tier.

Integration tests that take ``app`` or ``runtime`` run twice: once on the embedded
default (SQLite, no Redis) and once on the production path (PostgreSQL + Redis).
Databases are built with ``alembic upgrade head`` once per session, never create_all,
and emptied after each test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from pepper import create_app
from pepper.db import make_engine, migrations
from pepper.runtime import Runtime
from pepper.runtime import runtime as current_runtime
from pepper.settings import Settings
from tests.support.db import empty_tables
from tests.support.services import postgres_database, redis_prefix

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FTC_FILE = SHARED / "data" / "ftc-dnc" / "complaint_numbers_2025-10-28_to_2025-11-26.csv.gz"


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'pepper.sqlite3'}"
    migrations.upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_database("it") as url:
        migrations.upgrade(url)
        yield url


@pytest.fixture
def redis_config() -> Iterator[tuple[str, str]]:
    with redis_prefix() as config:
        yield config


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if backend == "sqlite":
        url = request.getfixturevalue("sqlite_url")
        return Settings(env="test", var_dir=tmp_path, database_url=url)
    redis_url, prefix = request.getfixturevalue("redis_config")
    return Settings(
        env="test",
        var_dir=tmp_path,
        database_url=request.getfixturevalue("postgres_url"),
        redis_url=redis_url,
        redis_prefix=prefix,
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings)
    try:
        yield application
    finally:
        with application.app_context():
            rt = current_runtime()
            empty_tables(rt.engine)
            rt.close()


@pytest.fixture
def make_app(settings: Settings) -> Iterator[Callable[..., Flask]]:
    """Build extra apps on the same databases with some settings changed."""
    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        application = create_app(settings.model_copy(update=overrides))
        built.append(application)
        return application

    yield build
    for application in built:
        with application.app_context():
            current_runtime().close()
    # The test's own database, whatever the extra apps pointed at.
    engine = make_engine(settings)
    empty_tables(engine)
    engine.dispose()


@pytest.fixture
def runtime(app: Flask) -> Iterator[Runtime]:
    with app.app_context():
        yield current_runtime()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
