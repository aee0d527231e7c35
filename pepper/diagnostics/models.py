"""Field issues reported by phone apps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, SmallInteger, String, Text
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
    decision_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # What the decision it names was, read from its signed receipt (None: no receipt).
    decision_action: Mapped[str | None] = mapped_column(String(8))
    decision_rung: Mapped[str | None] = mapped_column(String(16))
    decision_score: Mapped[float | None] = mapped_column(Float)
    decision_model: Mapped[str | None] = mapped_column(String(8))
    decision_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stack_trace: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DecisionFeedback(Base):
    """A user's "this decision was wrong", linked to the decision: feedback for the model.

    ``e164`` is set only when the device sent the number and it matched the receipt;
    ``label`` is what the number turned out to be (1 spam: a wrong allow; 0 not spam: a
    wrong block), a training label.
    """

    __tablename__ = "decision_feedback"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    field_issue_id: Mapped[int] = mapped_column(
        ForeignKey("field_issues.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[int] = mapped_column(SmallInteger)
    e164: Mapped[str | None] = mapped_column(String(20), index=True)
    action: Mapped[str] = mapped_column(String(8))
    rung: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(8))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
