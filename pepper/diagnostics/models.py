"""Field issues reported by phone apps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pepper.db import Base, UTCDateTime, utcnow
from pepper.db.types import BigIntPK


class FieldIssue(Base):
    """One problem a device saw, scrubbed of phone numbers before it was stored."""

    __tablename__ = "field_issues"
    __table_args__ = (Index("ix_field_issues_created_at_kind", "created_at", "kind"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(1000))
    app_version: Mapped[str] = mapped_column(String(32))
    os_name: Mapped[str] = mapped_column(String(16))
    os_version: Mapped[str] = mapped_column(String(32))
    manufacturer: Mapped[str] = mapped_column(String(64))
    device_model: Mapped[str] = mapped_column(String(64))
    carrier: Mapped[str | None] = mapped_column(String(64))
    screening_latency_ms: Mapped[int | None] = mapped_column(Integer)
    decision_id: Mapped[str | None] = mapped_column(String(32), index=True)
    stack_trace: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
