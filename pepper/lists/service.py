"""Personal allow and block lists: bounded, paginated, owned by one device."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from pepper.db import UnitOfWork
from pepper.db.pages import keyset_page
from pepper.errors import NotFound, TooMany
from pepper.lists.models import ListEntry
from pepper.lists.patterns import parse_pattern

KINDS = ("allow", "block")


@dataclass(frozen=True, slots=True)
class EntryInfo:
    id: int
    kind: str
    pattern: str
    label: str | None
    created_at: datetime


def _info(entry: ListEntry) -> EntryInfo:
    return EntryInfo(entry.id, entry.kind, entry.pattern, entry.label, entry.created_at)


def page(
    uow: UnitOfWork, *, device_id: int, kind: str, after: int, limit: int
) -> tuple[list[EntryInfo], int | None]:
    """One page of a device's list; the cursor is the last id, None at the end."""
    query = select(ListEntry).where(ListEntry.device_id == device_id, ListEntry.kind == kind)
    return keyset_page(uow.session, query, ListEntry.id, after=after, limit=limit, render=_info)


def whole(uow: UnitOfWork, *, device_id: int, kind: str, at_most: int) -> list[EntryInfo] | None:
    """A device's whole list in id order; None when it holds more than ``at_most``."""
    entries = uow.session.scalars(
        select(ListEntry)
        .where(ListEntry.device_id == device_id, ListEntry.kind == kind)
        .order_by(ListEntry.id)
        .limit(at_most + 1)
    ).all()
    return None if len(entries) > at_most else [_info(e) for e in entries]


def page_of(
    entries: Sequence[EntryInfo], *, after: int, limit: int
) -> tuple[list[EntryInfo], int | None]:
    """The page ``page`` would answer, cut from a whole list in id order (a copy of it)."""
    rest = [e for e in entries if e.id > after]
    items = rest[:limit]
    return items, (items[-1].id if len(rest) > limit else None)


def add(
    uow: UnitOfWork,
    *,
    device_id: int,
    kind: str,
    raw_pattern: str,
    label: str | None,
    region: str,
    max_entries: int,
) -> tuple[EntryInfo, bool]:
    """Add an entry; adding one that exists returns it unchanged (safe to repeat).

    Returns the entry and whether it was created.
    """
    pattern = parse_pattern(raw_pattern, region)
    session = uow.session
    existing = session.scalar(
        select(ListEntry).where(
            ListEntry.device_id == device_id,
            ListEntry.kind == kind,
            ListEntry.pattern == pattern.pattern,
        )
    )
    if existing is not None:
        return _info(existing), False
    size = session.scalar(
        select(func.count()).where(ListEntry.device_id == device_id, ListEntry.kind == kind)
    )
    if (size or 0) >= max_entries:
        raise TooMany(f"a {kind} list holds at most {max_entries} entries")
    entry = ListEntry(
        device_id=device_id,
        kind=kind,
        pattern=pattern.pattern,
        prefix=pattern.prefix,
        is_prefix=pattern.is_prefix,
        label=label,
    )
    session.add(entry)
    session.flush()
    info = _info(entry)
    uow.note_change("device", device_id)
    uow.commit()
    return info, True


def get(uow: UnitOfWork, *, device_id: int, kind: str, entry_id: int) -> EntryInfo:
    # Filtering by the owner makes another device's entry indistinguishable from none.
    entry = uow.session.scalar(
        select(ListEntry).where(
            ListEntry.id == entry_id, ListEntry.device_id == device_id, ListEntry.kind == kind
        )
    )
    if entry is None:
        raise NotFound("no such list entry")
    return _info(entry)


def remove(uow: UnitOfWork, *, device_id: int, kind: str, entry_id: int) -> None:
    result = uow.session.execute(
        delete(ListEntry).where(
            ListEntry.id == entry_id, ListEntry.device_id == device_id, ListEntry.kind == kind
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("no such list entry")
    uow.note_change("device", device_id)
    uow.commit()
