"""A client-side bound on every PostgreSQL round trip: a server that stopped answering.

``statement_timeout`` is enforced by the server, so it cannot end a wait on a server that
does not answer at all (frozen, or behind a network that holds or drops packets): the
query then waits until the server is back, for as long as that takes, holding its
request and its thread (found by the cluster run's PostgreSQL blackhole: requests gave
no answer for more than the phones' 10 s). Keepalives do not help when something on
the path still acknowledges the bytes.

So each statement, and the ping that checks a pooled connection out, is armed: if the
server has not answered within ``statement_timeout + GRACE_S`` — by then a healthy
server would have cancelled the statement itself — a single watchdog thread shuts the
connection's socket down. The waiting call fails at once with an OperationalError, the
connection is discarded, and the request gets the usual 503 ``database_unavailable``.
A transaction that lifts the statement timeout on purpose (``allow_long_statements``:
an operator's bulk import) also lifts this bound, until its connection is checked in.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import weakref
from typing import Any

from sqlalchemy import Engine, event, exc

log = logging.getLogger(__name__)
GRACE_S = 1.0
UNBOUNDED = "pepper.watchdog.unbounded"  # key in the pooled connection's info


def step_aside(connection_info: dict[Any, Any]) -> None:
    """No bound for this pooled connection until it is checked in again."""
    connection_info[UNBOUNDED] = True


class Watchdog:
    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s
        # key -> (deadline, socket descriptor, its inode: the descriptor may be reused)
        self._armed: dict[object, tuple[float, int, int]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.aborted = 0

    def arm(self, key: object, dbapi_connection: Any) -> None:
        fd = _socket_of(dbapi_connection)
        if fd is None:
            return
        try:
            inode = os.fstat(fd).st_ino
        except OSError:
            return
        with self._lock:
            self._armed[key] = (time.monotonic() + self.limit_s, fd, inode)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="pepper-db-watchdog", daemon=True
                )
                self._thread.start()
        # The thread is never woken: every deadline is "now + limit", never nearer than
        # those armed already nor than the thread's next look (it looks at least every
        # ``limit_s``, see _run). Waking it when a statement was armed on an idle
        # watchdog, which most are, cost under load 0.42-0.64 thread switches per call,
        # each a GIL hand-off (/proc's per-thread counts, bench.twilio_load's load).

    def disarm(self, key: object) -> None:
        with self._lock:
            self._armed.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                for key, (deadline, fd, inode) in list(self._armed.items()):
                    if deadline <= now:
                        # Under the lock, and only the very socket that was armed: a
                        # descriptor closed meanwhile may belong to another socket now.
                        del self._armed[key]
                        if _shut_down(fd, inode):
                            self.aborted += 1
                            log.warning(
                                "PostgreSQL did not answer in %.1f s: connection aborted",
                                self.limit_s,
                            )
                # With nothing armed, look again after one limit: a statement armed
                # after this look (at or after now) has its deadline at or after the next.
                nearest = min((d for d, _, _ in self._armed.values()), default=now + self.limit_s)
            time.sleep(max(0.0, nearest - now))


# The watchdog of each engine it was installed on, for statements that run on the
# driver's cursor and so raise no SQLAlchemy event (pepper/db/driver.py).
_INSTALLED: weakref.WeakKeyDictionary[Engine, Watchdog] = weakref.WeakKeyDictionary()


def of(engine: Engine) -> Watchdog | None:
    return _INSTALLED.get(engine)


def _socket_of(dbapi_connection: Any) -> int | None:
    pgconn = getattr(dbapi_connection, "pgconn", None)  # psycopg 3
    try:
        fd = int(pgconn.socket) if pgconn is not None else -1
    except Exception:  # a closed connection has no socket
        return None
    return fd if fd >= 0 else None


def _shut_down(fd: int, inode: int) -> bool:
    try:
        if os.fstat(fd).st_ino != inode:
            return False
        duplicate = socket.socket(fileno=os.dup(fd))
    except OSError:
        return False
    try:
        duplicate.shutdown(socket.SHUT_RDWR)  # acts on the shared socket, wakes the reader
    except OSError:
        return False
    finally:
        duplicate.close()
    return True


def install(engine: Engine, limit_s: float, *, ping: bool = True) -> Watchdog:
    """Arm every statement of ``engine`` (PostgreSQL), and ping at checkout if ``ping``."""
    watchdog = Watchdog(limit_s)
    _INSTALLED[engine] = watchdog

    # Keyed by the DBAPI cursor: it is at hand in all three events, even when the
    # connection was invalidated by the error.
    @event.listens_for(engine, "before_cursor_execute")
    def _arm(conn: Any, cursor: Any, *_: Any) -> None:
        if not conn.connection.info.get(UNBOUNDED):
            watchdog.arm(id(cursor), conn.connection.dbapi_connection)

    @event.listens_for(engine, "after_cursor_execute")
    def _disarm(conn: Any, cursor: Any, *_: Any) -> None:
        watchdog.disarm(id(cursor))

    @event.listens_for(engine, "handle_error")
    def _disarm_on_error(context: Any) -> None:
        cursor = getattr(context.execution_context, "cursor", None)
        if cursor is not None:
            watchdog.disarm(id(cursor))

    @event.listens_for(engine.pool, "checkin")
    def _bound_again(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info.pop(UNBOUNDED, None)

    if not ping:
        return watchdog

    @event.listens_for(engine.pool, "checkout")
    def _ping(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # SQLAlchemy's pool_pre_ping cannot be armed; this is its documented
        # "pessimistic" equivalent: a dead connection is replaced, not returned.
        key = ("ping", id(dbapi_connection))
        watchdog.arm(key, dbapi_connection)
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
        except Exception as error:
            raise exc.DisconnectionError() from error
        finally:
            watchdog.disarm(key)

    return watchdog
