"""Published list versions: immutable, monotonically numbered, stored as compact blobs.

A version of a million entries is one row per country and delta, not a million rows:
each artifact is the binary wire format (``pepper.blocklist.wire``), gzip-compressed,
so the common request is answered with the stored bytes as they are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from pepper.db import Base, UTCDateTime, utcnow


class BlocklistVersion(Base):
    __tablename__ = "blocklist_versions"

    # Assigned by the (single-flight) publish as the previous version + 1; the primary
    # key refuses a second publish of the same number should two ever race.
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    model_version: Mapped[str] = mapped_column(String(40))
    entries: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)  # per country, thresholds, timing
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BlocklistArtifact(Base):
    """The full list of one country in one version (``since`` 0), or a delta to it."""

    __tablename__ = "blocklist_artifacts"

    version: Mapped[int] = mapped_column(
        ForeignKey("blocklist_versions.version", ondelete="CASCADE"), primary_key=True
    )
    country_code: Mapped[int] = mapped_column(Integer, primary_key=True)
    since: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[int] = mapped_column(Integer)  # tombstones + entries
    sha256: Mapped[str] = mapped_column(String(64))  # of the uncompressed binary payload
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # gzip of the binary payload
