"""Exact reputation counters when 50 phones report 100 numbers each at once, against
two gunicorn workers sharing PostgreSQL and Redis: every report counted once."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from sqlalchemy import create_engine, text

from pepper.db import migrations
from pepper.standby import outbox
from tests.support.factories import device_body
from tests.support.server import gunicorn
from tests.support.services import postgres_database, redis_prefix

DEVICES = 50
NUMBERS = [f"+1202555{n:04d}" for n in range(100)]  # all in the exchange +1 202-555


@pytest.fixture
def cluster() -> Iterator[tuple[str, str, str, str]]:
    """(base URL, database URL, Redis URL, Redis prefix) of two workers on shared state."""
    with postgres_database("counters") as url, redis_prefix() as (redis_url, prefix):
        migrations.upgrade(url)
        env = {
            "PEPPER_DATABASE_URL": url,
            "PEPPER_REDIS_URL": redis_url,
            "PEPPER_REDIS_PREFIX": prefix,
            "PEPPER_RATE_LIMIT_REGISTER": "1000/hour",
            "PEPPER_RATE_LIMIT_PER_IP": "100000/minute",  # every phone is 127.0.0.1 here
        }
        with gunicorn(env, workers=2) as base_url:
            yield base_url, url, redis_url, prefix


class Phone:
    """One simulated phone: its own keep-alive connection, as an app keeps one."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        self.headers = {"Content-Type": "application/json"}

    def post(self, path: str, body: dict[str, Any], **headers: str) -> tuple[int, Any]:
        """POST, retried after a 503 as phones do (Retry-After, bounded here to 1 s)."""
        for _ in range(5):
            self.connection.request("POST", path, json.dumps(body), {**self.headers, **headers})
            response = self.connection.getresponse()
            raw = response.read()
            if response.status != 503:
                break
            time.sleep(min(1.0, float(response.headers.get("Retry-After", "1"))))
        return response.status, json.loads(raw) if raw else None

    def close(self) -> None:
        self.connection.close()


def register(base_url: str) -> str:
    phone = Phone(base_url)
    try:
        status, body = phone.post("/v1/devices", device_body())
    finally:
        phone.close()
    assert status == 201, body
    return f"Bearer {body['token']}"


def report_everything(base_url: str, authorization: str) -> list[int]:
    phone = Phone(base_url)
    phone.headers["Authorization"] = authorization
    try:
        # Each report has its own Idempotency-Key, so a retry can neither lose nor
        # double a report.
        return [
            phone.post(
                "/v1/reports",
                {"number": number, "verdict": "spam", "category": "telemarketer"},
                **{"Idempotency-Key": number},
            )[0]
            for number in NUMBERS
        ]
    finally:
        phone.close()


def test_counters_stay_exact_under_fifty_threads_of_reports(
    cluster: tuple[str, str, str, str],
) -> None:
    base_url, database_url, redis_url, prefix = cluster
    with ThreadPoolExecutor(DEVICES) as pool:
        phones = list(pool.map(register, [base_url] * DEVICES))
        results = list(pool.map(report_everything, [base_url] * DEVICES, phones))
    statuses = [status for result in results for status in result]
    # Every report is acknowledged: stored (201), or, when its transaction waited past
    # the statement timeout on the exchange's hot counter row, queued in Redis (202)
    # and applied once by a worker's replay.
    assert len(statuses) == DEVICES * len(NUMBERS)
    assert set(statuses) <= {201, 202}
    queue = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 180  # one replay thread per worker, on a busy machine
    while queue.xlen(outbox.stream(prefix)):
        assert time.monotonic() < deadline, "queued reports were not applied in time"
        time.sleep(0.2)
    assert queue.xlen(outbox.dead_letters(prefix)) == 0
    engine = create_engine(database_url)
    with engine.connect() as connection:
        reports = connection.scalar(text("SELECT count(*) FROM reports"))
        rows = dict(connection.execute(text("SELECT key, spam_n FROM reputation_counters")).all())
        categories = connection.scalar(
            text("SELECT sum(n) FROM report_categories WHERE category = 'telemarketer'")
        )
    engine.dispose()
    assert reports == DEVICES * len(NUMBERS)
    assert all(rows[f"n:{number}"] == DEVICES for number in NUMBERS)
    assert rows["r:+1:202555"] == DEVICES * len(NUMBERS)
    assert categories == DEVICES * len(NUMBERS)
