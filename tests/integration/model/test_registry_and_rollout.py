"""Train → register → activate → serve; refusals, rollback and single-flight training."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask

from pepper.metrics import ACTIVE_MODEL
from pepper.model import registry
from pepper.model.jobs import enqueue_training
from pepper.model.service import train_and_register
from pepper.runtime import Runtime
from pepper.screening.views import screener
from tests.support.factories import register, screen

ROWS = 4000  # small: these tests are about the registry, not the model's quality


@pytest.fixture
def model_app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    # No FTC evaluation here: these tests are about versions, not the model's quality.
    return make_app(
        models_dir=tmp_path / "models", model_poll_s=0.05, ftc_data=tmp_path / "absent.csv"
    )


def train(rt: Runtime, seed: int, force: bool = False) -> str:
    outcome = train_and_register(
        rt.uow, models_dir=rt.settings.models_dir, rows=ROWS, seed=seed, ftc_path=None,
        force=force,
    )  # fmt: skip
    return outcome.version


def run_queued_jobs(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """The production path: a real RQ worker (in burst mode) runs what was queued."""
    import redis
    from rq import SimpleWorker

    import pepper.model.jobs
    from pepper.jobs.service import queue_name

    settings = rt.settings
    assert settings.redis_url is not None
    for name, value in {
        "PEPPER_DATABASE_URL": settings.database_url,
        "PEPPER_REDIS_URL": settings.redis_url,
        "PEPPER_REDIS_PREFIX": settings.redis_prefix,
        "PEPPER_MODELS_DIR": str(settings.models_dir),
        "PEPPER_FTC_DATA": str(settings.ftc_data),
    }.items():
        monkeypatch.setenv(name, value)
    pepper.model.jobs._worker_app.cache_clear()
    connection = redis.Redis.from_url(settings.redis_url)
    try:
        SimpleWorker([queue_name(settings.redis_prefix)], connection=connection).work(burst=True)
    finally:
        connection.close()
        with pepper.model.jobs._worker_app().app_context():
            from pepper.runtime import runtime

            runtime().close()
        pepper.model.jobs._worker_app.cache_clear()


def serving_version(app: Flask) -> str:
    with app.app_context():
        scorer = screener().scorer
        scorer._next_check = 0.0  # type: ignore[attr-defined]  # skip the poll wait
        scorer.refresh()
        return scorer.version


def test_a_trained_version_is_registered_activated_and_served(model_app: Flask) -> None:
    with model_app.app_context():
        from pepper.runtime import runtime

        rt = runtime()
        version = train(rt, seed=1)
        with rt.uow() as uow:
            info = registry.get(uow)
        assert (info.version, info.active) == (version, True)
        assert (rt.settings.models_dir / info.artifact).exists()
        assert "simulated_holdout" in info.metrics
    assert serving_version(model_app) == version
    client = model_app.test_client()
    decision = screen(client, register(client), "+12025550143")
    assert decision["model_version"] == version


def test_a_tampered_artifact_is_refused_and_the_previous_version_keeps_serving(
    model_app: Flask,
) -> None:
    from pepper.runtime import runtime

    with model_app.app_context():
        rt = runtime()
        first = train(rt, seed=1)
    assert serving_version(model_app) == first
    with model_app.app_context():
        second = train(rt, seed=2, force=True)
        with rt.uow() as uow:
            artifact = rt.settings.models_dir / registry.get(uow, second).artifact
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2] ^= 0xFF
    artifact.write_bytes(bytes(data))
    assert serving_version(model_app) == first


def test_rollback_returns_every_process_to_an_older_version(model_app: Flask) -> None:
    from pepper.runtime import runtime

    with model_app.app_context():
        rt = runtime()
        first = train(rt, seed=1)
        second = train(rt, seed=2, force=True)
    assert serving_version(model_app) == second
    assert ACTIVE_MODEL.labels(version=second)._value.get() == 1
    with model_app.app_context(), rt.uow() as uow:
        registry.activate(uow, first)
    assert serving_version(model_app) == first
    # The gauge follows the swap: the process serves first now, and no longer second.
    assert ACTIVE_MODEL.labels(version=first)._value.get() == 1
    assert ACTIVE_MODEL.labels(version=second)._value.get() == 0


def test_concurrent_train_requests_give_one_job(
    model_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pepper.jobs import service as jobs
    from pepper.runtime import runtime

    with model_app.app_context():
        rt = runtime()

        def ask(_: int) -> str:
            job, _started = enqueue_training(rt, rows=ROWS, seed=3, force=False)
            return str(job.id)

        with ThreadPoolExecutor(5) as pool:
            ids = set(pool.map(ask, range(5)))
        assert len(ids) == 1
        (job_id,) = ids
        if rt.redis is not None:
            run_queued_jobs(rt, monkeypatch)
        deadline = time.monotonic() + 120
        while jobs.get(rt.uow, job_id).state in ("queued", "running"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        finished = jobs.get(rt.uow, job_id)
        assert finished.state == "succeeded", finished.result
        assert finished.result is not None
        assert finished.result["activated"] is True


def test_a_shipped_default_model_is_installed_once_and_activated_on_a_fresh_database(
    model_app: Flask,
) -> None:
    from pepper.model.service import export_default, install_default
    from pepper.runtime import runtime

    with model_app.app_context():
        rt = runtime()
        version = train(rt, seed=5)
        export_default(rt.uow, rt.settings.models_dir, version)
        # A fresh install: the registry is empty, the files are there.
        from pepper.model.models import ActiveModel, ModelVersion

        with rt.uow() as uow:
            uow.session.query(ActiveModel).delete()
            uow.session.query(ModelVersion).delete()
            uow.commit()
        assert install_default(rt.uow, rt.settings.models_dir) == version
        assert install_default(rt.uow, rt.settings.models_dir) is None
        with rt.uow() as uow:
            assert registry.active_version(uow) == version


def test_a_version_trained_under_another_scikit_learn_is_refused(model_app: Flask) -> None:
    from pepper.model.artifacts import ArtifactRefused
    from pepper.model.service import load_version
    from pepper.runtime import runtime

    with model_app.app_context():
        rt = runtime()
        version = train(rt, seed=6)
        with rt.uow() as uow:
            info = registry.get(uow, version)
    other = replace(info, sklearn_version="0.24.2")
    with pytest.raises(ArtifactRefused) as refused:
        load_version(rt.settings.models_dir, other)
    assert refused.value.reason == "sklearn_version_mismatch"
