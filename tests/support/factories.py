"""Building test data through the API and services, never through raw SQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import update

from pepper.db import UnitOfWork, utcnow
from pepper.devices.models import Device
from pepper.reputation import labels

_models = itertools.count(1)


def device_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "platform": "android",
        "app_version": "1.4.0",
        "os_version": "14",
        "device_model": f"Pixel {next(_models)}",
        "default_region": "US",
    }
    body.update(overrides)
    return body


def register(client: FlaskClient, **overrides: Any) -> dict[str, str]:
    """Register a device and return its Authorization header."""
    response = client.post("/v1/devices", json=device_body(**overrides))
    assert response.status_code == 201, response.json
    assert response.json is not None
    return {"Authorization": f"Bearer {response.json['token']}"}


def label(uow: UnitOfWork, pattern: str, verdict: str, category: str | None = None) -> None:
    """An operator label, through the service the admin routes use."""
    labels.set_label(
        uow, raw_pattern=pattern, verdict=verdict, category=category, note=None, region="US"
    )


def screen(
    client: FlaskClient, headers: dict[str, str], number: str, **extra: Any
) -> dict[str, Any]:
    response = client.post("/v1/screen", json={"number": number, **extra}, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json is not None
    return response.json


def age_devices(uow: UnitOfWork, days: float) -> None:
    """Make every device look registered ``days`` ago (new devices' reports weigh less)."""
    uow.session.execute(update(Device).values(created_at=utcnow() - timedelta(days=days)))
    uow.commit()


def report_spam(
    client: FlaskClient,
    uow_factory: Callable[[], UnitOfWork],
    number: str,
    devices: int,
    category: str = "fraud",
) -> None:
    """``devices`` established devices each report ``number`` as spam."""
    tokens = [register(client) for _ in range(devices)]
    with uow_factory() as uow:
        age_devices(uow, 60)
    for headers in tokens:
        response = client.post(
            "/v1/reports",
            json={"number": number, "verdict": "spam", "category": category},
            headers=headers,
        )
        assert response.status_code == 201, response.json
