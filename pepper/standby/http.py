"""What a Flask route does when PostgreSQL cannot answer: queue the write, or say so.

``answer_or_queue`` runs the route's normal work; when the database is unavailable (or
this process has no database slot free, pepper/db/bulkhead.py) and Redis is there, it
queues the write instead and answers ``202 Accepted`` with a ticket. ``read_or_recall``
does the same for a read: the answer from what the standby kept, marked degraded.
Without Redis, or for any other error, the error goes on to the one error mapping
(pepper/http/problems.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Response, g, jsonify
from sqlalchemy.exc import SQLAlchemyError

from pepper.db.outage import unavailable
from pepper.errors import Unavailable
from pepper.metrics import DEGRADED_ANSWERS
from pepper.runtime import runtime
from pepper.standby.outbox import Entry, OutboxFull
from pepper.standby.service import Standby
from pepper.tally import tally

Found = TypeVar("Found")

# Set by the bulkhead on a request it let through without a database slot.
NO_DATABASE = "pepper_no_database"
QUEUED_DETAIL = (
    "The database is unavailable: this write is queued and will be applied once when it is"
    " back. Sending it again with the same Idempotency-Key is safe."
)


def database_usable() -> bool:
    """False when this request must not wait on the database: no slot was free, the
    database already failed it, or failed this process a moment ago (a blackholed
    database costs a request its statement timeout: one such wait per request, and
    not one per request while it lasts)."""
    if g.get(NO_DATABASE, False):
        return False
    standby = runtime().standby
    return standby is None or standby.database_up()


def database_failed() -> None:
    """The database failed this request: the rest of it does without, and so do this
    process's requests for ``PEPPER_STANDBY_RETRY_S``."""
    setattr(g, NO_DATABASE, True)
    standby = runtime().standby
    if standby is not None:
        standby.database_down()


def _live(
    work: Callable[[], Found], standby: Standby | None
) -> tuple[Found | None, Exception | None]:
    """(the live answer, None), or (None, the outage) when the database is away and a
    standby can stand in; any other error is raised."""
    if standby is not None and not database_usable():
        return None, Unavailable("every database slot of this process is waiting; retry")
    try:
        return work(), None
    except SQLAlchemyError as error:
        if standby is None or not unavailable(error):
            raise
        database_failed()
        return None, error


def read_or_recall(
    route: str, live: Callable[[], Found], recall: Callable[[Standby], Found | None]
) -> tuple[Found, bool]:
    """The live answer, or while the database is away what ``recall`` finds in the
    standby: (answer, degraded). When it finds nothing, the outage goes on (503)."""
    standby = runtime().standby
    answered, outage = _live(live, standby)
    if outage is None:
        return answered, False  # type: ignore[return-value]
    assert standby is not None
    found = recall(standby)
    if found is None:
        raise outage
    tally.inc(DEGRADED_ANSWERS, route)
    return found, True


def answer_or_queue(
    route: str,
    work: Callable[[], Response],
    entry: Callable[[], Entry],
    *,
    client_id: int | None = None,
    key: str | None = None,
    digest: str | None = None,
) -> Response:
    """The route's answer, or 202 with the write queued while the database is away."""
    standby = runtime().standby
    answered, outage = _live(work, standby)
    if outage is None:
        return answered  # type: ignore[return-value]
    assert standby is not None
    try:
        if key is not None and client_id is not None and digest is not None:
            ticket, replayed = standby.queue_once(
                entry(), client_id=client_id, key=key, digest=digest
            )
        else:
            ticket, replayed = standby.queue(entry()), False
    except OutboxFull:
        raise outage from None  # as without a queue: 503, the client retries
    tally.inc(DEGRADED_ANSWERS, route)
    response = jsonify({"status": "queued", "ticket": ticket, "detail": QUEUED_DETAIL})
    response.status_code = 202
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
