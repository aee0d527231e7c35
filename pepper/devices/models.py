"""A registered phone-app installation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pepper.db import Base, UTCDateTime, utcnow
from pepper.db.types import BigIntPK


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("api_clients.id", ondelete="CASCADE"), unique=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    app_version: Mapped[str] = mapped_column(String(32))
    os_version: Mapped[str] = mapped_column(String(32))
    device_model: Mapped[str] = mapped_column(String(64))
    default_region: Mapped[str] = mapped_column(String(2))
    sensitivity: Mapped[str] = mapped_column(String(8), default="normal")
    withheld_action: Mapped[str] = mapped_column(String(8), default="allow")
    own_number: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
