"""Keyset pagination by id: stable under inserts, no OFFSET scans."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session


class HasId(Protocol):
    id: Any


Row = TypeVar("Row", bound=HasId)
Info = TypeVar("Info")


def keyset_page(
    session: Session,
    query: Select[Row],
    id_column: Any,
    *,
    after: int,
    limit: int,
    render: Callable[[Row], Info],
) -> tuple[list[Info], int | None]:
    """Rows with id > ``after`` in id order; the cursor is the last id, None at the end."""
    rows = list(
        session.scalars(query.where(id_column > after).order_by(id_column).limit(limit + 1))
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return [render(r) for r in rows], (rows[-1].id if more and rows else None)
