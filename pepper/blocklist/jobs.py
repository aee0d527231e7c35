"""The publish job: queued on RQ in production, a thread in the embedded default.

Single flight across hosts through ``pepper.jobs`` (one lock row): a second publish
while one runs anywhere gets the running job back, so version numbers stay monotonic.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from functools import cache
from typing import Any

from flask import Flask

from pepper.blocklist.publish import Progress, PublishOutcome, publish
from pepper.jobs.service import JobInfo, queue_name, run, run_in_thread, start
from pepper.reputation import params_for
from pepper.runtime import Runtime
from pepper.screening.types import Thresholds

KIND = "blocklist_publish"


def publish_now(rt: Runtime, progress: Progress | None = None) -> PublishOutcome:
    """Publish the next version with this deployment's settings (no lock: see start_job)."""
    settings = rt.settings
    silence, block = getattr(settings, f"threshold_{settings.blocklist_sensitivity}")
    return publish(
        rt.uow,
        now=time.time(),
        params=params_for(settings.reputation_half_life_days),
        thresholds=Thresholds(silence, block),
        max_entries=settings.blocklist_max_entries,
        retained=settings.blocklist_retained_versions,
        models_dir=settings.models_dir,
        progress=progress,
    )


def start_job(rt: Runtime) -> tuple[JobInfo, bool]:
    """Take the publish lock; returns (job, newly started) or the running job."""
    return start(rt.uow, KIND, {})


def run_job(rt: Runtime, job_id: str) -> None:
    """Publish under an already taken lock, recording progress and the outcome."""

    def work(progress: Any) -> dict[str, Any]:
        return asdict(publish_now(rt, progress))

    run(rt.uow, job_id, KIND, work)


def enqueue_publish(rt: Runtime) -> tuple[JobInfo, bool]:
    """Start one publish where this deployment runs jobs; returns (job, newly started)."""
    job, started = start_job(rt)
    if not started:
        return job, False
    if rt.redis is not None:
        from rq import Queue

        Queue(queue_name(rt.settings.redis_prefix), connection=rt.redis).enqueue(
            "pepper.blocklist.jobs.publish_job", job.id, job_timeout=1800
        )
    else:
        run_in_thread(lambda: run_job(rt, job.id))
    return job, True


@cache
def _worker_app() -> Flask:
    from pepper.app import create_app

    return create_app()


def publish_job(job_id: str) -> None:
    """What an RQ worker (``pepper worker``) runs."""
    from pepper.runtime import runtime

    with _worker_app().app_context():
        run_job(runtime(), job_id)
