"""Reputation counters and admin labels, kept current by atomic SQL updates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pepper.db import Base, UTCDateTime, utcnow
from pepper.db.types import BigIntPK


class ReputationCounter(Base):
    """Decayed evidence about a number (``n:+1415...``) or a range (``r:+1:415555``).

    The ``*_w`` values are exact as of ``ref_epoch``; every update decays them to the
    update's time and adds its weight in one ``INSERT ... ON CONFLICT DO UPDATE``, so
    many servers can update one row without losing increments.
    """

    __tablename__ = "reputation_counters"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    spam_w: Mapped[float] = mapped_column(Float, default=0.0)
    ham_w: Mapped[float] = mapped_column(Float, default=0.0)
    complaint_w: Mapped[float] = mapped_column(Float, default=0.0)
    spam_n: Mapped[int] = mapped_column(Integer, default=0)
    ham_n: Mapped[int] = mapped_column(Integer, default=0)
    complaint_n: Mapped[int] = mapped_column(Integer, default=0)
    ref_epoch: Mapped[float] = mapped_column(Float)


class ReportCategory(Base):
    """How often a number was reported as spam in each category."""

    __tablename__ = "report_categories"

    e164: Mapped[str] = mapped_column(String(20), primary_key=True)
    category: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class AdminLabel(Base):
    """An operator's verdict on a number or a prefix: clears a spoofed number or blocks."""

    __tablename__ = "admin_labels"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    pattern: Mapped[str] = mapped_column(String(24), unique=True)
    prefix: Mapped[str] = mapped_column(String(24), index=True)
    is_prefix: Mapped[bool] = mapped_column(Boolean)
    verdict: Mapped[str] = mapped_column(String(8))  # "allow" | "block"
    category: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
