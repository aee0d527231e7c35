"""Activation refuses a version no server could load, so a restarted process never
follows the pointer to it (found while building the cluster's corrupt-model step:
running processes kept the old model, but a process started after the activation had
nothing to keep and served without a model while its peers served the old one)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from pepper.model import registry
from pepper.model.service import train_and_register
from pepper.runtime import Runtime
from pepper.screening.views import screener


@pytest.fixture
def model_app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    return make_app(
        models_dir=tmp_path / "models", model_poll_s=0.05, ftc_data=tmp_path / "absent.csv"
    )


def two_versions(app: Flask) -> tuple[Runtime, str, Path]:
    """An active version, and a registered one whose artifact is then damaged."""
    from pepper.runtime import runtime

    with app.app_context():
        rt = runtime()
        good, bad = (
            train_and_register(
                rt.uow, models_dir=rt.settings.models_dir, rows=4000, seed=seed, ftc_path=None
            ).version
            for seed in (1, 2)
        )
        with rt.uow() as uow:
            registry.activate(uow, good)
            artifact = rt.settings.models_dir / registry.get(uow, bad).artifact
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
    artifact.write_bytes(bytes(data))
    return rt, good, artifact


def active(app: Flask) -> str | None:
    from pepper.runtime import runtime

    with app.app_context(), runtime().uow() as uow:
        return registry.active_version(uow)


def test_the_admin_route_refuses_a_corrupt_version_and_leaves_the_pointer(
    model_app: Flask,
) -> None:
    _, good, artifact = two_versions(model_app)
    bad = artifact.stem
    token = model_app.test_cli_runner().invoke(args=["admin", "create-token", "ops"]).output
    headers = {"Authorization": f"Bearer {token.strip()}"}
    client = model_app.test_client()

    refused = client.post(f"/admin/models/{bad}/activate", headers=headers)

    assert refused.status_code == 422
    assert refused.json is not None
    assert (refused.json["code"], refused.json["reason"]) == ("model_refused", "hash_mismatch")
    assert active(model_app) == good
    # A process that starts now follows the pointer to a version it can serve.
    with model_app.app_context():
        scorer = screener().scorer
        scorer._next_check = 0.0  # type: ignore[attr-defined]
        scorer.refresh()
        assert scorer.version == good
    assert client.post(f"/admin/models/{good}/activate", headers=headers).status_code == 204


def test_the_cli_refuses_a_corrupt_version(model_app: Flask) -> None:
    _, good, artifact = two_versions(model_app)

    result = model_app.test_cli_runner().invoke(args=["model", "activate", artifact.stem])

    assert result.exit_code != 0
    assert "hash_mismatch" in result.output
    assert active(model_app) == good
