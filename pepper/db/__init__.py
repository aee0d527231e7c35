"""Storage plumbing shared by every domain: base, engine, unit of work."""

from pepper.db.base import Base, UTCDateTime, utcnow
from pepper.db.engine import make_engine
from pepper.db.uow import UnitOfWork

__all__ = ["Base", "UTCDateTime", "UnitOfWork", "make_engine", "utcnow"]
