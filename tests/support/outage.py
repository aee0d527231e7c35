"""Serving without PostgreSQL, as tests simulate it: two apps on one Redis.

``healthy`` reaches PostgreSQL; ``cut_off`` has PostgreSQL at a port where nothing
listens (a stopped server refuses connections at once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from pepper.runtime import Runtime
from pepper.standby import outbox
from tests.support.blackhole import closed_port
from tests.support.factories import register


def outage_pair(
    make_app: Callable[..., Flask], backend: str, **overrides: Any
) -> tuple[Flask, Flask]:
    """(healthy, cut_off), or a skip on the embedded default (no Redis to keep things in)."""
    if backend != "postgresql":
        pytest.skip("the embedded default has no Redis to queue in: its database is a file")
    healthy = make_app(**overrides)
    cut_off = make_app(
        database_url=f"postgresql+psycopg://pepper@127.0.0.1:{closed_port()}/pepper", **overrides
    )
    return healthy, cut_off


def runtime_of(app: Flask) -> Runtime:
    rt = app.extensions["pepper"]
    assert isinstance(rt, Runtime)
    return rt


def replay(app: Flask) -> int:
    rt = runtime_of(app)
    assert rt.standby is not None
    return rt.standby.replay(rt)


def queued(app: Flask) -> int:
    rt = runtime_of(app)
    assert rt.standby is not None
    return outbox.depth(rt.standby.client, rt.standby.prefix)


def seen_device(healthy: Flask) -> dict[str, str]:
    """A device that made one request while the database was up (so Redis knows it)."""
    client = healthy.test_client()
    headers = register(client)
    assert client.get("/v1/devices/me", headers=headers).status_code == 200
    return headers
