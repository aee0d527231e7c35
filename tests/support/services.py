"""Real PostgreSQL and Redis for the tests: throwaway databases and key prefixes.

When ``CI=true`` a missing service fails the run; on a laptop it skips the tests that
need it, with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import redis

PG_ADMIN_DSN = os.environ.get("PEPPER_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test")
PG_HOST = "127.0.0.1:5432"
REDIS_URL = os.environ.get("PEPPER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _unavailable(what: str, exc: Exception) -> None:
    message = f"{what} is not reachable ({type(exc).__name__}: {exc})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI requires it", pytrace=False)
    pytest.skip(message)


def _pg_user() -> str:
    with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3) as conn:
        row = conn.execute("SELECT current_user").fetchone()
    assert row is not None
    return str(row[0])


@contextmanager
def postgres_database(label: str = "t") -> Iterator[str]:
    """Create a fresh PostgreSQL database and yield its SQLAlchemy URL; drop it after."""
    name = f"pepper_{label}_{uuid.uuid4().hex[:10]}"
    try:
        user = _pg_user()
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        _unavailable("PostgreSQL at 127.0.0.1:5432", exc)
    try:
        yield f"postgresql+psycopg://{user}@{PG_HOST}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def redis_prefix() -> Iterator[tuple[str, str]]:
    """Yield (redis URL, a key prefix no one else uses); delete its keys after."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable("Redis at 127.0.0.1:6379", exc)
    prefix = f"pepper-test-{uuid.uuid4().hex[:10]}:"
    try:
        yield REDIS_URL, prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        # flask-limiter keeps its own prefix under ours; both are covered by the match.
        if keys:
            client.delete(*keys)
        client.close()
