"""Submitting a report safely under retries: Idempotency-Key claim, write, stored reply.

The claim is its own short transaction; the report, its stored response and the
counters then commit together, so a replay returns exactly what the first request got.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pepper.db import UnitOfWork
from pepper.devices.service import DeviceInfo
from pepper.reports import idempotency
from pepper.reports.service import ReportInfo, submit


@dataclass(frozen=True, slots=True)
class Submitted:
    status: int
    body: dict[str, Any]
    replayed: bool


def submit_once(
    uow_factory: Callable[[], UnitOfWork],
    *,
    device: DeviceInfo,
    key: str | None,
    digest: str,
    retention_days: int,
    render: Callable[[ReportInfo], dict[str, Any]],
    **report: Any,
) -> Submitted:
    """Submit a report, or replay the response stored under its Idempotency-Key."""
    if key is not None:
        stored = idempotency.claim(
            uow_factory, client_id=device.client_id, key=key, digest=digest,
            retention_days=retention_days,
        )  # fmt: skip
        if stored is not None:
            return Submitted(stored.status, stored.body, replayed=True)
    reply: dict[str, Any] = {}
    try:
        with uow_factory() as uow:

            def remember(info: ReportInfo, created: bool) -> None:
                reply.update(status=201 if created else 200, body=render(info))
                if key is not None:
                    idempotency.complete(
                        uow.session, client_id=device.client_id, key=key,
                        status=reply["status"], body=reply["body"],
                    )  # fmt: skip

            submit(uow, device=device, before_counters=remember, **report)
            uow.commit()
    except Exception:
        if key is not None:
            idempotency.release(uow_factory, client_id=device.client_id, key=key)
        raise
    return Submitted(reply["status"], reply["body"], replayed=False)
