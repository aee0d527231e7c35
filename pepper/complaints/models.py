"""Numbers we know of and the complaints filed about them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pepper.db import Base, UTCDateTime, utcnow
from pepper.db.types import BigIntPK


class PhoneNumber(Base):
    """One normalized number (E.164), whatever spelling it arrived in."""

    __tablename__ = "phone_numbers"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    e164: Mapped[str] = mapped_column(String(20), unique=True)
    country_code: Mapped[int] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(2))
    number_type: Mapped[str] = mapped_column(String(24))
    is_valid: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportRun(Base):
    """One imported file, so the same bytes are never counted twice."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_format: Mapped[str] = mapped_column(String(16))
    rows_total: Mapped[int] = mapped_column(Integer)
    rows_imported: Mapped[int] = mapped_column(Integer)
    rows_duplicate: Mapped[int] = mapped_column(Integer)
    rows_rejected: Mapped[int] = mapped_column(Integer)
    rejected_by_reason: Mapped[dict[str, Any]] = mapped_column(JSON)
    seconds: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Complaint(Base):
    """A consumer complaint about a number, from the FTC Do-Not-Call files.

    ``(source, file_date, seq)`` identifies a complaint across file formats: ``seq`` is
    the row's position among the rows of its FTC daily file, so the official daily CSV
    and the reduced shared extract of the same day land on the same keys.
    """

    __tablename__ = "complaints"
    __table_args__ = (
        UniqueConstraint("source", "file_date", "seq", name="uq_complaints_source_file_seq"),
        Index("ix_complaints_number_id_file_date", "number_id", "file_date"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    number_id: Mapped[int] = mapped_column(
        ForeignKey("phone_numbers.id", ondelete="CASCADE"), index=False
    )
    source: Mapped[str] = mapped_column(String(16))
    file_date: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    batch: Mapped[str] = mapped_column(String(16))
    created_on: Mapped[date | None] = mapped_column(Date)
    subject: Mapped[str | None] = mapped_column(String(120))
    robocall: Mapped[bool | None] = mapped_column(Boolean)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), index=True)
