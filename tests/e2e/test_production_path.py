"""Two gunicorn workers sharing PostgreSQL and Redis: limits and revocations hold for all."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from pepper.db import migrations
from tests.support.factories import device_body
from tests.support.server import gunicorn
from tests.support.services import postgres_database, redis_prefix

REGISTRATIONS_ALLOWED = 5


@pytest.fixture(scope="module")
def shared_state() -> Iterator[dict[str, str]]:
    with postgres_database("e2e") as url, redis_prefix() as (redis_url, _):
        migrations.upgrade(url)
        yield {"PEPPER_DATABASE_URL": url, "PEPPER_REDIS_URL": redis_url}


@pytest.fixture
def production_server(shared_state: dict[str, str]) -> Iterator[str]:
    with redis_prefix() as (_, prefix):
        env = {
            **shared_state,
            "PEPPER_REDIS_PREFIX": prefix,
            "PEPPER_RATE_LIMIT_REGISTER": f"{REGISTRATIONS_ALLOWED}/hour",
        }
        with gunicorn(env, workers=2) as base_url:
            yield base_url


def call(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    request.add_header("Connection", "close")  # a new connection: any worker may answer
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_a_rate_limit_holds_across_workers(production_server: str) -> None:
    results = [call("POST", f"{production_server}/v1/devices", device_body()) for _ in range(12)]
    statuses = [status for status, _, _ in results]
    # Two workers with per-process limits would let up to twice as many through.
    assert statuses.count(201) == REGISTRATIONS_ALLOWED
    assert statuses.count(429) == 12 - REGISTRATIONS_ALLOWED
    _, headers, body = results[-1]
    assert body["status"] == 429
    assert int(headers["Retry-After"]) > 0
    assert headers["RateLimit-Policy"].startswith('"pepper";q=5;w=3600')
    assert headers["RateLimit"].startswith('"pepper";r=0;')


def test_screening_and_revocation_over_http(production_server: str) -> None:
    status, _, body = call("POST", f"{production_server}/v1/devices", device_body())
    assert status == 201
    auth = {"Authorization": f"Bearer {body['token']}"}
    for _ in range(4):
        status, _, decision = call(
            "POST", f"{production_server}/v1/screen", {"number": "+12025550143"}, auth
        )
        assert (status, decision["action"], decision["degraded"]) == (200, "allow", False)
    assert call("DELETE", f"{production_server}/v1/devices/me", headers=auth)[0] == 204
    erased = time.monotonic()
    # A worker that cached the device forgets it at its next poll of the change log
    # (PEPPER_CACHE_SYNC_S, 1 s); device routes other than /v1/screen refuse at once.
    assert call("GET", f"{production_server}/v1/devices/me", headers=auth)[0] == 401
    while call("POST", f"{production_server}/v1/screen", {"number": "1"}, auth)[0] != 401:
        assert time.monotonic() - erased < 3.0, "no worker refuses the erased token"
        time.sleep(0.05)
    # One worker refuses; every worker must by one poll later (1 s, and some slack).
    time.sleep(max(0.0, erased + 2.0 - time.monotonic()))
    for _ in range(6):
        status, _, _ = call("POST", f"{production_server}/v1/screen", {"number": "1"}, auth)
        assert status == 401
