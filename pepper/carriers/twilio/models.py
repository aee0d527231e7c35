"""Subscribers, the calls Twilio told us about, and per-caller call patterns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pepper.db import Base, UTCDateTime, utcnow
from pepper.db.types import BigIntPK


class Subscriber(Base):
    """A Twilio number whose calls Pepper screens, and where allowed calls ring."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    twilio_number: Mapped[str] = mapped_column(String(20), unique=True)
    ring_to: Mapped[str] = mapped_column(String(20))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    mode: Mapped[str] = mapped_column(String(12))  # "block" | "challenge" | "label"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Call(Base):
    """One carrier call, by its CallSid: what we decided and how it ended."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="SET NULL"), index=True
    )
    caller: Mapped[str | None] = mapped_column(String(20), index=True)
    action: Mapped[str] = mapped_column(String(12))  # allow | block | challenge | label
    label: Mapped[str | None] = mapped_column(String(40))
    decision_id: Mapped[str | None] = mapped_column(String(64))
    challenge_digit: Mapped[str | None] = mapped_column(String(1))
    challenge: Mapped[str | None] = mapped_column(String(8))  # passed | failed
    status: Mapped[str | None] = mapped_column(String(16))
    duration_s: Mapped[int | None] = mapped_column(Integer)
    # Set once, by the first final status callback: Twilio retries, we count once.
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallerStats(Base):
    """Call-pattern aggregates per caller, for the spam model (atomic counters)."""

    __tablename__ = "caller_stats"

    caller: Mapped[str] = mapped_column(String(20), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    subscribers: Mapped[int] = mapped_column(Integer, default=0)
    finished: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    short_calls: Mapped[int] = mapped_column(Integer, default=0)
    challenge_passed: Mapped[int] = mapped_column(Integer, default=0)
    challenge_failed: Mapped[int] = mapped_column(Integer, default=0)
    first_epoch: Mapped[float] = mapped_column(Float)
    last_epoch: Mapped[float] = mapped_column(Float)


class CallerSubscriber(Base):
    """Which subscribers a caller has called: makes "distinct callees" countable."""

    __tablename__ = "caller_subscribers"

    caller: Mapped[str] = mapped_column(String(20), primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
