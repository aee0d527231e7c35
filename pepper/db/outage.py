"""Telling a database that cannot answer now from a request or a bug it refuses."""

from __future__ import annotations

from sqlalchemy import exc

# Connection refused or dropped, a statement timed out, no pooled connection freed in
# time: the database (or the way to it) is sick. IntegrityError, DataError and
# ProgrammingError are answers from a healthy database and are not among them.
_OUTAGES = (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError, exc.TimeoutError)


def unavailable(error: BaseException) -> bool:
    """Whether this error means the database cannot serve the request at the moment."""
    if isinstance(error, _OUTAGES):
        return True
    return isinstance(error, exc.DBAPIError) and error.connection_invalidated
