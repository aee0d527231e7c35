"""Submitting, listing and withdrawing reports, with their effect on reputation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from pepper.db import UnitOfWork, utcnow
from pepper.db.pages import keyset_page
from pepper.devices.service import DeviceInfo
from pepper.errors import NotFound, Unprocessable
from pepper.numbers import NormalizedNumber, normalize
from pepper.reports.models import Report
from pepper.reputation import ReputationParams, contribution, report_weight
from pepper.reputation.storage import Delta, apply_deltas, count_category, evidence_keys

VERDICTS = ("spam", "not_spam")
CATEGORIES = (
    "fraud", "telemarketer", "debt_collector", "political", "survey", "robocall", "nuisance",
    "other",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReportInfo:
    id: int
    number: str
    verdict: str
    category: str | None
    call_time: datetime | None
    created_at: datetime


def _info(report: Report) -> ReportInfo:
    return ReportInfo(
        report.id, report.e164, report.verdict, report.category, report.call_time, report.created_at
    )


def _deltas(number: NormalizedNumber, verdict: str, weight: float, sign: int) -> list[Delta]:
    if verdict == "spam":
        return [Delta(k, spam_w=sign * weight, spam_n=sign) for k in evidence_keys(number)]
    return [Delta(k, ham_w=sign * weight, ham_n=sign) for k in evidence_keys(number)]


def check_reportable(number: NormalizedNumber) -> None:
    """Unprocessable unless the number can be reported (checked before any queueing)."""
    if number.e164 is None or number.never_block or number.impossible:
        raise Unprocessable("only full, possible, non-emergency numbers can be reported")


def submit(
    uow: UnitOfWork,
    *,
    device: DeviceInfo,
    number: NormalizedNumber,
    verdict: str,
    category: str | None,
    call_time: datetime | None,
    params: ReputationParams,
    before_counters: Callable[[ReportInfo, bool], None] = lambda info, created: None,
) -> tuple[ReportInfo, bool]:
    """Record a device's verdict on a number; returns the report and whether it is new.

    One device counts once per number: reporting again with the same verdict changes
    nothing but the category; the opposite verdict replaces the first one's evidence.
    ``before_counters`` runs (in the same transaction) just before the shared counters
    (categories, then number and range reputation) are touched: they are hot rows —
    every report of a campaign updates them — so their locks are taken last, in a fixed
    order, and held only until the caller's commit.
    """
    check_reportable(number)
    assert number.e164 is not None
    session = uow.session
    now = utcnow()
    now_epoch = now.timestamp()
    existing = session.scalar(
        select(Report)
        .where(Report.device_id == device.id, Report.e164 == number.e164)
        .with_for_update()
    )
    deltas: list[Delta] = []
    categories: list[tuple[str, int]] = []
    if existing is not None and existing.verdict == verdict:
        existing.category = category
        existing.call_time = call_time
        session.flush()
        uow.note_change("number", number.e164)
        info = _info(existing)
        before_counters(info, False)
        return info, False
    if existing is not None:
        left = contribution(
            existing.weight, existing.created_at.timestamp(), now_epoch, params.half_life_days
        )
        deltas += _deltas(number, existing.verdict, left, -1)
        if existing.verdict == "spam" and existing.category:
            categories.append((existing.category, -1))
        session.delete(existing)
        session.flush()
    weight = report_weight(
        device_age_days=(now - device.created_at).total_seconds() / 86400,
        reports_last_24h=_recent_reports(uow, device.id, now),
        params=params,
    )
    report = Report(
        device_id=device.id,
        e164=number.e164,
        verdict=verdict,
        category=category if verdict == "spam" else None,
        call_time=call_time,
        weight=weight,
        created_at=now,
    )
    session.add(report)
    session.flush()
    deltas += _deltas(number, verdict, weight, +1)
    if verdict == "spam" and category:
        categories.append((category, +1))
    info = _info(report)
    uow.note_change("number", number.e164)
    before_counters(info, True)
    # Hot rows last, in a fixed order: every report of a campaign's number waits on them.
    for name, delta in sorted(categories):
        count_category(session, number.e164, name, delta)
    apply_deltas(session, deltas, now_epoch=now_epoch, half_life_days=params.half_life_days)
    return info, True


def _recent_reports(uow: UnitOfWork, device_id: int, now: datetime) -> int:
    count = uow.session.scalar(
        select(func.count()).where(
            Report.device_id == device_id, Report.created_at > now - timedelta(days=1)
        )
    )
    return int(count or 0)


def page(
    uow: UnitOfWork, *, device_id: int, after: int, limit: int
) -> tuple[list[ReportInfo], int | None]:
    """One page of a device's own reports; the cursor is the last id, None at the end."""
    query = select(Report).where(Report.device_id == device_id)
    return keyset_page(uow.session, query, Report.id, after=after, limit=limit, render=_info)


def withdraw(uow: UnitOfWork, *, device_id: int, report_id: int, params: ReputationParams) -> None:
    """Withdraw one of the device's own reports and take its evidence back."""
    session = uow.session
    report = session.scalar(
        select(Report)
        .where(Report.id == report_id, Report.device_id == device_id)
        .with_for_update()
    )
    if report is None:
        # Someone else's report is indistinguishable from no report.
        raise NotFound("no such report")
    now_epoch = utcnow().timestamp()
    number = normalize(report.e164)
    left = contribution(
        report.weight, report.created_at.timestamp(), now_epoch, params.half_life_days
    )
    if report.verdict == "spam" and report.category and number.e164:
        count_category(session, number.e164, report.category, -1)
    session.execute(delete(Report).where(Report.id == report.id))
    uow.note_change("number", report.e164)
    # The same lock order as submit(): category row, then the shared counters, last.
    apply_deltas(
        session,
        _deltas(number, report.verdict, left, -1),
        now_epoch=now_epoch,
        half_life_days=params.half_life_days,
    )
    uow.commit()
