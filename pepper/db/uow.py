"""The unit of work: the one place that commits.

Services receive a unit of work and call ``commit()`` when their change is complete;
leaving the block without committing rolls back, so a failure half-way never
leaves half a change behind.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from pepper.db import changes


class UnitOfWork:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        on_commit: Callable[[list[changes.Notice]], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None
        self._on_commit = on_commit
        self._notices: list[changes.Notice] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._session

    def __enter__(self) -> Self:
        self._session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        self._notices = []
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None

    def note_change(self, kind: str, key: str | int) -> None:
        """Copies of (kind, key) that processes cache are wrong once this commits
        (pepper/db/changes.py); said in the same transaction as the change."""
        self._notices.append(changes.note(self.session, kind, key))

    def commit(self) -> None:
        self.session.commit()
        notices, self._notices = self._notices, []
        if notices and self._on_commit is not None:
            # This process forgets at once; the others at their next poll.
            self._on_commit(notices)

    def rollback(self) -> None:
        self.session.rollback()
        self._notices = []
