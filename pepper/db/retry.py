"""Once more after a dropped connection: for work on a pool without pre-ping."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

T = TypeVar("T")


def once_more_if_dropped(work: Callable[[], T]) -> T:
    """Run ``work``; if the database had dropped its connection (a restart, an idle
    cutoff), SQLAlchemy has invalidated the pool, so run it once more on a fresh one.
    Only for work that is safe to repeat."""
    try:
        return work()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    return work()
