"""Field issues: scrub, store, forward to Sentry, summarize."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sentry_sdk
from sqlalchemy import func, select

from pepper.db import UnitOfWork
from pepper.diagnostics.models import DecisionFeedback, FieldIssue
from pepper.diagnostics.scrub import redact
from pepper.errors import Unprocessable
from pepper.metrics import MODEL_FEEDBACK
from pepper.screening.receipts import Receipt, Receipts

log = logging.getLogger(__name__)
KINDS = (
    "crash", "call_not_screened", "wrong_block", "wrong_allow", "screening_timeout",
    "blocklist_load_failed", "other",
)  # fmt: skip
TAG_MAX = 200  # Sentry's limit on tag values
# What a wrong decision says the number was: a training label (1 spam, 0 not spam).
FEEDBACK_LABELS = {"wrong_block": 0, "wrong_allow": 1}


def _clean(value: str | None, limit: int) -> str | None:
    return None if value is None else redact(value)[:limit]


def _fingerprint(kind: str, message: str, stack_trace: str | None) -> list[str]:
    """Group the same problem across devices: kind + the first line of the trace (or
    the message without digits), never the device."""
    first = (stack_trace or message).strip().splitlines()[0] if (stack_trace or message) else ""
    shape = "".join("#" if ch.isdigit() else ch for ch in first)[:200]
    return ["field-issue", kind, hashlib.sha256(shape.encode()).hexdigest()[:16]]


def report(
    uow: UnitOfWork,
    *,
    device_id: int,
    fields: dict[str, Any],
    receipts: Receipts,
    e164: str | None = None,
) -> int:
    """Store a scrubbed field issue, link it to the decision its receipt names, and
    forward it to Sentry (when configured).

    ``e164`` is the number the device says the decision was about (normalized by the
    caller); it is kept only in the model's feedback and only when the receipt proves
    it, never in the issue itself or in Sentry.
    """
    receipt = receipts.read(fields["decision_id"]) if fields.get("decision_id") else None
    if receipt is not None and e164 is not None and not receipts.is_about(receipt, e164):
        raise Unprocessable("number: not the number of the decision this receipt names")
    issue = FieldIssue(
        device_id=device_id,
        kind=fields["kind"],
        message=_clean(fields["message"], 1000) or "",
        app_version=_clean(fields["app_version"], 32) or "",
        os_name=fields["os_name"],
        os_version=_clean(fields["os_version"], 32) or "",
        manufacturer=_clean(fields["manufacturer"], 64) or "",
        device_model=_clean(fields["device_model"], 64) or "",
        carrier=_clean(fields.get("carrier"), 64),
        screening_latency_ms=fields.get("screening_latency_ms"),
        decision_id=fields.get("decision_id"),
        stack_trace=_clean(fields.get("stack_trace"), 20_000),
    )
    if receipt is not None:
        _link(issue, receipt)
    uow.session.add(issue)
    uow.session.flush()
    issue_id = issue.id
    feedback = receipt is not None and issue.kind in FEEDBACK_LABELS
    if feedback and receipt is not None:
        uow.session.add(_feedback(issue, receipt, e164))
    uow.commit()
    if feedback and receipt is not None:
        MODEL_FEEDBACK.labels(kind=issue.kind, rung=receipt.rung, model=receipt.model_tag).inc()
    _forward(issue)
    return issue_id


def _link(issue: FieldIssue, receipt: Receipt) -> None:
    issue.decision_action = receipt.action
    issue.decision_rung = receipt.rung
    issue.decision_score = receipt.score
    issue.decision_model = receipt.model_tag
    issue.decision_at = datetime.fromtimestamp(receipt.issued_at, UTC)


def _feedback(issue: FieldIssue, receipt: Receipt, e164: str | None) -> DecisionFeedback:
    return DecisionFeedback(
        field_issue_id=issue.id,
        kind=issue.kind,
        label=FEEDBACK_LABELS[issue.kind],
        e164=e164,
        action=receipt.action,
        rung=receipt.rung,
        score=receipt.score,
        model=receipt.model_tag,
        decided_at=datetime.fromtimestamp(receipt.issued_at, UTC),
    )


def _forward(issue: FieldIssue) -> None:
    tags = {
        "kind": issue.kind,
        "device_model": f"{issue.manufacturer} {issue.device_model}"[:TAG_MAX],
        "os": f"{issue.os_name} {issue.os_version}"[:TAG_MAX],
        "os_version": issue.os_version[:TAG_MAX],
        "app_version": issue.app_version[:TAG_MAX],
        "carrier": (issue.carrier or "unknown")[:TAG_MAX],
        "source": "device",
    }
    try:
        with sentry_sdk.new_scope() as scope:
            for key, value in tags.items():
                scope.set_tag(key, value)
            scope.fingerprint = _fingerprint(issue.kind, issue.message, issue.stack_trace)
            scope.set_context(
                "field_issue",
                {
                    "id": issue.id,
                    "decision_id": issue.decision_id,
                    "decision_action": issue.decision_action,
                    "decision_rung": issue.decision_rung,
                    "decision_model": issue.decision_model,
                    "screening_latency_ms": issue.screening_latency_ms,
                    "stack_trace": issue.stack_trace,
                },
            )
            sentry_sdk.capture_message(
                f"field issue: {issue.kind}: {issue.message}", level="warning"
            )
    except Exception:  # reporting must never fail the device's request
        log.exception("could not forward a field issue")


@dataclass(frozen=True, slots=True)
class SummaryRow:
    kind: str
    device_model: str
    os_version: str
    app_version: str
    count: int


def summary(uow: UnitOfWork, *, since: datetime, until: datetime) -> list[SummaryRow]:
    """Counts by kind × device model × OS version × app version in a window, largest first."""
    count = func.count().label("n")
    query = (
        select(
            FieldIssue.kind,
            FieldIssue.device_model,
            FieldIssue.os_version,
            FieldIssue.app_version,
            count,
        )
        .where(FieldIssue.created_at >= since, FieldIssue.created_at < until)
        .group_by(
            FieldIssue.kind, FieldIssue.device_model, FieldIssue.os_version, FieldIssue.app_version
        )
        .order_by(count.desc())
        .limit(500)
    )
    return [SummaryRow(k, m, o, a, int(n)) for k, m, o, a, n in uow.session.execute(query)]
