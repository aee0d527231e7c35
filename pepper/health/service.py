"""Readiness: can this process serve traffic right now?"""

from __future__ import annotations

from dataclasses import dataclass

from redis import RedisError
from sqlalchemy.exc import SQLAlchemyError

from pepper.db.migrations import current_revision, head_revision
from pepper.runtime import Runtime


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def check_database(rt: Runtime) -> Check:
    try:
        with rt.engine.connect() as connection:
            revision = current_revision(connection)
    except SQLAlchemyError as exc:
        return Check(False, f"unreachable: {type(exc).__name__}")
    head = head_revision()
    if revision != head:
        return Check(False, f"not migrated: at {revision}, code expects {head}")
    return Check(True, f"at {revision}")


def check_redis(rt: Runtime) -> Check | None:
    if rt.redis is None:
        return None
    try:
        rt.redis.ping()
    except (RedisError, OSError) as exc:
        return Check(False, f"unreachable: {type(exc).__name__}")
    return Check(True, "ok")


def readiness(rt: Runtime) -> dict[str, Check]:
    checks = {"database": check_database(rt)}
    redis_check = check_redis(rt)
    if redis_check is not None:
        checks["redis"] = redis_check
    return checks
