"""``Idempotency-Key`` for writes that phones retry (Stripe's design, IETF draft).

The key is claimed in its own short transaction (state ``in_flight``); the write and
the stored response then commit together, so a replay after success returns exactly
what the first request got. The same key with a different body is 422; a request still
in flight is 409; a claim left behind by a crashed process is taken over after
``STALE_AFTER``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from pepper.db import UnitOfWork, utcnow
from pepper.db.dialect import upsert
from pepper.errors import Conflict, Unprocessable
from pepper.reports.models import IdempotencyKey

STALE_AFTER = timedelta(seconds=60)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: dict[str, Any]


def check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Unprocessable(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")


def request_hash(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim(
    uow_factory: Callable[[], UnitOfWork],
    *,
    client_id: int,
    key: str,
    digest: str,
    retention_days: int,
) -> StoredResponse | None:
    """Claim the key for this request, or return the response to replay."""
    check_key(key)
    now = utcnow()
    with uow_factory() as uow:
        session = uow.session
        inserted = session.execute(
            upsert(session, IdempotencyKey.__table__)
            .values(
                client_id=client_id,
                key=key,
                request_hash=digest,
                state="in_flight",
                created_at=now,
                expires_at=now + timedelta(days=retention_days),
            )
            .on_conflict_do_nothing()
            .returning(IdempotencyKey.key)
        ).scalar_one_or_none()
        if inserted is not None:
            uow.commit()
            return None
        row = session.get_one(IdempotencyKey, (client_id, key))
        if row.request_hash != digest:
            raise Unprocessable("this Idempotency-Key was used with a different request")
        if row.state == "done" and row.response_status is not None:
            return StoredResponse(row.response_status, row.response_body or {})
        taken = session.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.client_id == client_id,
                IdempotencyKey.key == key,
                IdempotencyKey.state == "in_flight",
                IdempotencyKey.created_at < now - STALE_AFTER,
            )
            .values(created_at=now)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            uow.commit()
            return None
    raise Conflict("a request with this Idempotency-Key is still in flight")


def complete(
    session: Session, *, client_id: int, key: str, status: int, body: dict[str, Any]
) -> None:
    """Store the response in the write's own transaction (the caller commits)."""
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.client_id == client_id, IdempotencyKey.key == key)
        .values(state="done", response_status=status, response_body=body)
    )


def release(uow_factory: Callable[[], UnitOfWork], *, client_id: int, key: str) -> None:
    """Forget a claim whose request failed, so that a retry can run."""
    with uow_factory() as uow:
        uow.session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.client_id == client_id,
                IdempotencyKey.key == key,
                IdempotencyKey.state == "in_flight",
            )
        )
        uow.commit()


def purge_expired(uow: UnitOfWork) -> int:
    """Delete keys past their retention; returns how many."""
    result = uow.session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at < utcnow()))
    uow.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
