"""Starting a job once, tracking it, and running it where the deployment runs jobs.

Single flight across hosts: a job takes its lock with one ``INSERT ... ON CONFLICT DO
NOTHING`` on the shared database; a second request while it runs gets the running
job back instead of a new one. A lock older than ``STALE_AFTER`` (a worker killed
mid-job) can be taken over.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update

from pepper.db import UnitOfWork, utcnow
from pepper.db.dialect import upsert
from pepper.errors import NotFound
from pepper.jobs.models import Job, JobLock

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(hours=2)


def queue_name(redis_prefix: str) -> str:
    """The RQ queue of this deployment (its Redis prefix keeps deployments apart)."""
    return f"{redis_prefix}jobs"


UowFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True, slots=True)
class JobInfo:
    id: str
    kind: str
    state: str
    progress: str
    params: dict[str, Any]
    result: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


def _info(job: Job) -> JobInfo:
    return JobInfo(
        job.id, job.kind, job.state, job.progress, job.params, job.result, job.created_at,
        job.updated_at,
    )  # fmt: skip


def start(uow_factory: UowFactory, kind: str, params: dict[str, Any]) -> tuple[JobInfo, bool]:
    """Create the job and take its lock; or return the one already running (False)."""
    job_id = uuid.uuid4().hex
    with uow_factory() as uow:
        session = uow.session
        session.execute(
            delete(JobLock).where(
                JobLock.name == kind, JobLock.acquired_at < utcnow() - STALE_AFTER
            )
        )
        taken = session.execute(
            upsert(session, JobLock.__table__)
            .values(name=kind, job_id=job_id, acquired_at=utcnow())
            .on_conflict_do_nothing()
            .returning(JobLock.job_id)
        ).scalar_one_or_none()
        if taken is None:
            running = session.get_one(JobLock, kind).job_id
            return _info(session.get_one(Job, running)), False
        job = Job(id=job_id, kind=kind, state="queued", progress="", params=params, result=None)
        session.add(job)
        session.flush()
        info = _info(job)
        uow.commit()
    return info, True


def get(uow_factory: UowFactory, job_id: str) -> JobInfo:
    with uow_factory() as uow:
        job = uow.session.get(Job, job_id)
        if job is None:
            raise NotFound("no such job")
        return _info(job)


def _set(uow_factory: UowFactory, job_id: str, **values: Any) -> None:
    with uow_factory() as uow:
        uow.session.execute(
            update(Job).where(Job.id == job_id).values(updated_at=utcnow(), **values)
        )
        uow.commit()


def run(
    uow_factory: UowFactory,
    job_id: str,
    kind: str,
    work: Callable[[Callable[[str], None]], dict[str, Any]],
) -> None:
    """Run ``work`` for the job, recording progress and result; always release the lock."""
    _set(uow_factory, job_id, state="running", progress="started")
    try:
        result = work(lambda message: _set(uow_factory, job_id, progress=message[:200]))
        _set(uow_factory, job_id, state="succeeded", progress="done", result=result)
    except Exception as exc:
        log.exception("job failed", extra={"job_id": job_id, "kind": kind})
        _set(
            uow_factory,
            job_id,
            state="failed",
            progress="failed",
            result={"error": type(exc).__name__},
        )
    finally:
        with uow_factory() as uow:
            uow.session.execute(
                delete(JobLock).where(JobLock.name == kind, JobLock.job_id == job_id)
            )
            uow.commit()


def run_in_thread(target: Callable[[], None]) -> None:
    """The embedded default's job runner: a daemon thread in this process."""
    threading.Thread(target=target, name="pepper-job", daemon=True).start()
