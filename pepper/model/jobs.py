"""The training job: queued on RQ in production, a thread in the embedded default."""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import Any

from flask import Flask

from pepper.jobs.service import queue_name, run, run_in_thread, start
from pepper.model.service import train_and_register
from pepper.runtime import Runtime

KIND = "train"


def enqueue_training(rt: Runtime, *, rows: int, seed: int, force: bool) -> tuple[Any, bool]:
    """Start one training (single flight across hosts); returns (job, newly started)."""
    params = {"rows": rows, "seed": seed, "force": force}
    job, started = start(rt.uow, KIND, params)
    if not started:
        return job, False
    if rt.redis is not None:
        from rq import Queue

        Queue(queue_name(rt.settings.redis_prefix), connection=rt.redis).enqueue(
            "pepper.model.jobs.train_job", job.id, rows, seed, force, job_timeout=3600
        )
    else:
        run_in_thread(lambda: _train(rt, job.id, rows, seed, force))
    return job, True


def _train(rt: Runtime, job_id: str, rows: int, seed: int, force: bool) -> None:
    settings = rt.settings
    ftc = settings.ftc_data if settings.ftc_data.exists() else None

    def work(progress: Any) -> dict[str, Any]:
        outcome = train_and_register(
            rt.uow, models_dir=settings.models_dir, rows=rows, seed=seed, ftc_path=ftc,
            force=force, progress=progress, half_life_days=settings.reputation_half_life_days,
        )  # fmt: skip
        return asdict(outcome)

    run(rt.uow, job_id, KIND, work)


@cache
def _worker_app() -> Flask:
    from pepper.app import create_app

    return create_app()


def train_job(job_id: str, rows: int, seed: int, force: bool) -> None:
    """What an RQ worker (``pepper worker``) runs."""
    from pepper.runtime import runtime

    with _worker_app().app_context():
        _train(runtime(), job_id, rows, seed, force)
