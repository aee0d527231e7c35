"""Entries of a device's personal allow and block lists."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pepper.db import Base, UTCDateTime, utcnow
from pepper.db.types import BigIntPK


class ListEntry(Base):
    """An exact number (``+14155550123``) or a prefix pattern (``+1415555*``)."""

    __tablename__ = "list_entries"
    __table_args__ = (
        UniqueConstraint(
            "device_id", "kind", "pattern", name="uq_list_entries_device_kind_pattern"
        ),
        Index("ix_list_entries_device_id_kind_id", "device_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # "allow" | "block"
    pattern: Mapped[str] = mapped_column(String(24))
    # The pattern without its "*": matching is ``number == prefix`` or ``number LIKE prefix%``.
    prefix: Mapped[str] = mapped_column(String(24))
    is_prefix: Mapped[bool] = mapped_column(Boolean)
    label: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
