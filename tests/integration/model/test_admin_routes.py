"""Admins train, follow and activate models over HTTP; devices cannot."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from tests.support.factories import register


@pytest.fixture
def admin_app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    return make_app(models_dir=tmp_path / "models", ftc_data=tmp_path / "absent.csv")


def admin_headers(app: Flask) -> dict[str, str]:
    token = app.test_cli_runner().invoke(args=["admin", "create-token", "ops"]).output.strip()
    return {"Authorization": f"Bearer {token}"}


def test_an_admin_starts_a_training_job_follows_it_and_activates_versions(
    admin_app: Flask, backend: str
) -> None:
    if backend == "postgresql":
        pytest.skip("the production path runs jobs on RQ: see test_registry_and_rollout")
    client = admin_app.test_client()
    admin = admin_headers(admin_app)
    started = client.post("/admin/models/train", json={"rows": 4000, "seed": 9}, headers=admin)
    assert started.status_code == 202
    assert started.json is not None
    job_url = f"/admin/jobs/{started.json['id']}"
    deadline = time.monotonic() + 60
    while (job := client.get(job_url, headers=admin).json)["state"] in ("queued", "running"):  # type: ignore[index]
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert job["state"] == "succeeded", job  # type: ignore[index]
    version = job["result"]["version"]  # type: ignore[index]
    assert client.post(f"/admin/models/{version}/activate", headers=admin).status_code == 204
    assert client.post("/admin/models/nope/activate", headers=admin).status_code == 404


def test_device_tokens_cannot_train_or_activate(admin_app: Flask) -> None:
    client = admin_app.test_client()
    device = register(client)
    assert client.post("/admin/models/train", json={}, headers=device).status_code == 401
    assert client.post("/admin/models/x/activate", headers=device).status_code == 401
    assert client.get("/admin/jobs/x", headers=device).status_code == 401
