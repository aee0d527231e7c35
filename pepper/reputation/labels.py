"""Operator labels: an operator's verdict on a number or a prefix.

``allow`` clears a number — a spoofed caller ID belongs to an innocent person, whatever
its reports say; ``block`` condemns one. The decision reads them at rung 4, after the
device's own lists (pepper/screening/policy.py). Setting a label again replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from pepper.db import UnitOfWork, utcnow
from pepper.db.pages import keyset_page
from pepper.errors import NotFound, Unprocessable
from pepper.lists.patterns import parse_pattern
from pepper.reports.service import CATEGORIES
from pepper.reputation.models import AdminLabel

VERDICTS = ("allow", "block")


@dataclass(frozen=True, slots=True)
class LabelInfo:
    id: int
    pattern: str
    verdict: str
    category: str | None
    note: str | None
    created_at: datetime


def _info(label: AdminLabel) -> LabelInfo:
    return LabelInfo(
        label.id, label.pattern, label.verdict, label.category, label.note, label.created_at
    )


def set_label(
    uow: UnitOfWork,
    *,
    raw_pattern: str,
    verdict: str,
    category: str | None,
    note: str | None,
    region: str,
) -> tuple[LabelInfo, bool]:
    """Label a number or prefix (replacing its label); returns it and whether it is new."""
    if verdict not in VERDICTS:
        raise Unprocessable(f"verdict must be one of {', '.join(VERDICTS)}")
    if category is not None and category not in CATEGORIES:
        raise Unprocessable(f"category must be one of {', '.join(CATEGORIES)}")
    pattern = parse_pattern(raw_pattern, region)
    session = uow.session
    label = session.scalar(
        select(AdminLabel).where(AdminLabel.pattern == pattern.pattern).with_for_update()
    )
    created = label is None
    if label is None:
        label = AdminLabel(pattern=pattern.pattern, prefix=pattern.prefix)
        session.add(label)
    label.is_prefix = pattern.is_prefix
    label.verdict = verdict
    label.category = category if verdict == "block" else None
    label.note = note
    label.created_at = utcnow()
    session.flush()
    info = _info(label)
    uow.note_change("label", pattern.pattern)
    uow.commit()
    return info, created


def page(uow: UnitOfWork, *, after: int, limit: int) -> tuple[list[LabelInfo], int | None]:
    return keyset_page(
        uow.session, select(AdminLabel), AdminLabel.id, after=after, limit=limit, render=_info
    )


def remove(uow: UnitOfWork, label_id: int) -> None:
    label = uow.session.get(AdminLabel, label_id)
    if label is None:
        raise NotFound("no such label")
    uow.session.delete(label)
    uow.note_change("label", label.pattern)
    uow.commit()
