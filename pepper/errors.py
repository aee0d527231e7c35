"""Domain exceptions. Raised anywhere; turned into HTTP responses in one place
(``pepper.http.problems``). No Flask here, so the pure core can raise them too."""

from __future__ import annotations

from typing import Any, ClassVar


class PepperError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class NotFound(PepperError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(PepperError):
    status = 409
    code = "conflict"
    title = "Conflict"


class Unprocessable(PepperError):
    status = 422
    code = "unprocessable"
    title = "Unprocessable request"


class Unauthorized(PepperError):
    status = 401
    code = "unauthorized"
    title = "Missing, unknown or revoked token"


class Forbidden(PepperError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class Unavailable(PepperError):
    """The database cannot serve this request now; the client may retry (Retry-After)."""

    status = 503
    code = "database_unavailable"
    title = "Database unavailable"


class ImportFailed(PepperError):
    code = "import_failed"
    title = "The file could not be imported"


class InvalidPattern(Unprocessable):
    code = "invalid_pattern"
    title = "Not a number or a prefix pattern"


class TooMany(Unprocessable):
    code = "limit_reached"
    title = "A size limit was reached"
