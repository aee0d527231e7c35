"""A bulkhead between the database and what a process must always answer.

A query against a PostgreSQL that hangs (a frozen server, a network that drops packets)
waits until the server answers again: the statement timeout is enforced by the server,
which is not answering. Each such request holds one of gunicorn's threads. Without a
bound, a hung database takes every thread of every process within seconds, and then
the requests that never wait on it — health checks, and call decisions that fail open
after 300 ms — queue behind them: the load balancer sees every instance fail at once and
the calls that should ring wait seconds (found by the cluster run,
bench/cluster_scenario.py).

So at most ``PEPPER_DB_REQUEST_SLOTS`` requests per process (set by gunicorn.conf.py to
all its threads but two) may be inside a route that uses the database. One more is
answered at once with 503 ``database_unavailable`` and Retry-After — the same answer
as a database that refuses connections, which clients already retry — and counted in
``pepper_db_shed_total``; with Redis, the routes that can answer without the database
(queued writes, lookups, list and block-list reads) go on without a slot instead.
Decisions (they bound their own database time, and as direct routes never pass through
Flask's hooks), the carrier webhooks that ring calls, health checks and metrics never
take a slot.
"""

from __future__ import annotations

import threading

from flask import Flask, Response, current_app, g, request

from pepper.http.problems import problem
from pepper.metrics import DB_SHED
from pepper.runtime import runtime
from pepper.standby.http import NO_DATABASE
from pepper.tally import tally

# Endpoints that must answer whatever the database does.
# (/v1/screen and /twilio/voice are direct routes: Flask's hooks never see them.)
EXEMPT = frozenset({"twilio.voice_fallback", "twilio.challenge"})
EXEMPT_PREFIXES = ("health.", "metrics.", "static")
# Endpoints that, with Redis, answer without the database when no slot is free: writes
# are queued, a lookup answers from what this process knows, a list or the block list
# from what the standby and this process kept (pepper/standby).
WITHOUT_DATABASE = frozenset({
    "reports.create_report", "reports.withdraw_report", "lists.add_entry",
    "lists.delete_entry", "lists.list_entries", "devices.update", "devices.me",
    "numbers.lookup", "blocklist.get_blocklist", "twilio.status",
})  # fmt: skip
_SLOT = "pepper_db_slot"
EXTENSION_KEY = "pepper_bulkhead"


def exempt(endpoint: str | None) -> bool:
    return endpoint is None or endpoint in EXEMPT or endpoint.startswith(EXEMPT_PREFIXES)


class Bulkhead:
    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._free = threading.BoundedSemaphore(slots)

    def enter(self, wait_s: float = 0.0) -> bool:
        """Take a slot if one is free, or frees within ``wait_s``."""
        if wait_s <= 0:
            return self._free.acquire(blocking=False)
        return self._free.acquire(timeout=wait_s)

    def leave(self) -> None:
        self._free.release()


def wait_for_slot(wait_s: float) -> bool:
    """For a request let through without a slot that finds it cannot answer without the
    database after all: take a slot if one frees within ``wait_s``, and use the database
    for the rest of the request. A slow database frees slots within moments; a hung one
    costs this request ``wait_s``, not a thread held until the watchdog."""
    bulkhead = current_app.extensions.get(EXTENSION_KEY)
    if not isinstance(bulkhead, Bulkhead) or g.get(_SLOT, False):
        return False
    if not bulkhead.enter(wait_s):
        return False
    setattr(g, _SLOT, True)
    setattr(g, NO_DATABASE, False)
    return True


def init_app(app: Flask, slots: int) -> Bulkhead:
    bulkhead = app.extensions[EXTENSION_KEY] = Bulkhead(slots)

    @app.before_request
    def _take_slot() -> Response | None:
        endpoint = request.endpoint
        if exempt(endpoint):
            return None
        if not bulkhead.enter():
            tally.inc(DB_SHED, endpoint or "unknown")
            if endpoint in WITHOUT_DATABASE and runtime().standby is not None:
                # It can answer without waiting on the database (pepper/standby).
                setattr(g, NO_DATABASE, True)
                return None
            return problem(
                503, "database_unavailable", "Database unavailable",
                "every database slot of this process is waiting; retry",
                headers_retry=True,
            )  # fmt: skip
        setattr(g, _SLOT, True)
        return None

    @app.teardown_request
    def _give_back(_error: BaseException | None) -> None:
        if g.pop(_SLOT, False):
            bulkhead.leave()

    return bulkhead
