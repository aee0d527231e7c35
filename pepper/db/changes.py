"""The change log: what every process must forget from its caches, and a feed of it.

Processes keep what call decisions read (devices, their lists, a caller's evidence) in
memory, so that a decision costs no database round trip (pepper/screening/cache.py).
A write that makes such a copy wrong — a list edit, an erased device, a subscriber, an
operator label — adds a row here *in its own transaction*: the change and its notice
commit or roll back together, and every process on every host learns of it from the
same database that holds the change. The writing process forgets at once (after its
commit); the others within one poll (``PEPPER_CACHE_SYNC_S``).

Reading the log by ``id > last seen`` alone would miss a change whose transaction took
its id before a later one committed (ids are handed out at insert, rows appear at
commit). So the feed remembers the ids it skipped over and asks for them again for
``GAP_GRACE_S``; an id still missing then belonged to a transaction that rolled back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Index, Row, String, bindparam, delete, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from pepper.background import ProcessThread
from pepper.db.base import Base, UTCDateTime, utcnow
from pepper.db.types import BigIntPK

log = logging.getLogger(__name__)

GAP_GRACE_S = 30.0
MAX_GAPS = 10_000
BATCH = 5_000  # more changes than this in one poll: forget everything instead
RETENTION = timedelta(hours=1)
PRUNE_EVERY_S = 300.0


class Change(Base):
    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_changed_at", "changed_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    # "device" (key: its id), "subscriber" (its Twilio number), "label" (a pattern),
    # "number" (an E.164 number), "numbers" (every number: a bulk import).
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True, slots=True)
class Notice:
    kind: str
    key: str


def note(session: Session, kind: str, key: str | int) -> Notice:
    """Record, in the session's transaction, that copies of (kind, key) are now wrong."""
    notice = Notice(kind, str(key))
    session.add(Change(kind=notice.kind, key=notice.key))
    return notice


Listener = Callable[[Iterable[Notice]], None]

_POLL = text(
    "SELECT id, kind, key FROM changes WHERE id > :after OR id IN :gaps ORDER BY id LIMIT :n"
).bindparams(bindparam("gaps", expanding=True))
_NEWEST = text("SELECT max(id) FROM changes")


class ChangeFeed:
    """Polls the change log for one process and hands each new notice to its listeners.

    ``fresh`` tells whether the last successful poll is recent: a cache that must not
    outlive a revocation by more than a few seconds is only trusted while it is.
    """

    def __init__(self, engine: Engine, interval_s: float) -> None:
        self.engine = engine
        self.interval_s = interval_s
        self.stale_after_s = max(3.0, 3 * interval_s)
        self._listeners: list[Listener] = []
        self._after: int | None = None
        self._gaps: dict[int, float] = {}  # skipped id -> when first skipped
        self._last_ok = 0.0
        self._last_prune = time.monotonic()
        self._stop = threading.Event()
        self._thread = ProcessThread(self._run, "pepper-changes")

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    @property
    def fresh(self) -> bool:
        """Polled successfully of late: what was cached since is known to be current."""
        return self._after is not None and time.monotonic() - self._last_ok < self.stale_after_s

    def ensure_running(self) -> None:
        """Start the polling thread in this process (again after a fork)."""
        self._thread.ensure()

    def start(self) -> None:
        """Poll once here, then run the thread: until a first poll, nothing may be cached
        and a process's first decisions all read the database. For a worker's start
        (gunicorn.conf.py), never a request: a hung database would hold it."""
        try:
            self.poll()
        except Exception as error:  # the thread tries again
            log.warning("change feed poll failed: %s", type(error).__name__)
        self.ensure_running()

    def stop(self, wait_s: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(wait_s)

    def publish_local(self, notices: Iterable[Notice]) -> None:
        """What this process just committed: forget it now, not at the next poll."""
        self._tell(list(notices))

    def poll(self) -> None:
        """One poll: read new changes, tell the listeners, remember what was skipped."""
        with self.engine.connect() as connection:
            if self._after is None:
                # A new process has nothing cached yet: the past does not concern it.
                self._after = int(connection.execute(_NEWEST).scalar() or 0)
                self._last_ok = time.monotonic()
                return
            rows = connection.execute(
                _POLL, {"after": self._after, "gaps": list(self._gaps) or [-1], "n": BATCH}
            ).all()
            newest = None
            if not rows:
                newest = int(connection.execute(_NEWEST).scalar() or 0)
            self._maybe_prune(connection)
            connection.commit()
        if newest is not None and newest < self._after:
            # The log was emptied and its ids started again (a restored or reset
            # database): whatever is cached may predate it.
            log.warning("change log restarted; forgetting every cached entry")
            self._after, self._gaps = newest, {}
            self._tell([Notice("all", "")])
        elif len(rows) >= BATCH:
            self._after, self._gaps = max(row.id for row in rows), {}
            self._tell([Notice("all", "")])
        elif rows:
            self._tell(self._advance(rows))
        self._forget_old_gaps()
        self._last_ok = time.monotonic()

    def _advance(self, rows: Sequence[Row[Any]]) -> list[Notice]:
        now = time.monotonic()
        notices = []
        assert self._after is not None
        for row in rows:
            change_id = int(row.id)
            if change_id > self._after:
                for skipped in range(self._after + 1, change_id):
                    if len(self._gaps) < MAX_GAPS:
                        self._gaps[skipped] = now
                self._after = change_id
            else:
                self._gaps.pop(change_id, None)
            notices.append(Notice(row.kind, row.key))
        return notices

    def _forget_old_gaps(self) -> None:
        cutoff = time.monotonic() - GAP_GRACE_S
        for change_id in [i for i, since in self._gaps.items() if since < cutoff]:
            del self._gaps[change_id]

    def _maybe_prune(self, connection: Connection) -> None:
        # Every process prunes now and then; deleting old rows twice is harmless.
        if time.monotonic() - self._last_prune < PRUNE_EVERY_S:
            return
        self._last_prune = time.monotonic()
        connection.execute(delete(Change).where(Change.changed_at < utcnow() - RETENTION))

    def _tell(self, notices: list[Notice]) -> None:
        for listener in self._listeners:
            try:
                listener(notices)
            except Exception:  # a cache that cannot forget must not stop the feed
                log.exception("a change listener failed")

    def _run(self) -> None:
        while True:
            try:
                self.poll()
            except Exception as error:  # the database is down or slow: try again later
                log.warning("change feed poll failed: %s", type(error).__name__)
            if self._stop.wait(self.interval_s):
                return
