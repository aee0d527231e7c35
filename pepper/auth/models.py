"""API clients (devices and admins) and the hashes of their tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from pepper.db import Base, UTCDateTime, utcnow
from pepper.db.types import BigIntPK


class ApiClient(Base):
    """Whoever holds a token: a phone installation or an administrator.

    Only a SHA-256 of the token is stored; the token itself is shown once, at creation.
    """

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # "device" | "admin"
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, to let an operator tell tokens apart in logs.
    token_hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
