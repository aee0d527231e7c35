"""The model registry: immutable versions, and one active pointer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pepper.db import Base, UTCDateTime, utcnow


class ModelVersion(Base):
    """A trained model: its artifact's hash vouches for the file under models/."""

    __tablename__ = "model_versions"

    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    artifact: Mapped[str] = mapped_column(String(200))  # file name under the models dir
    sha256: Mapped[str] = mapped_column(String(64))
    sklearn_version: Mapped[str] = mapped_column(String(20))
    features: Mapped[list[str]] = mapped_column(JSON)
    training: Mapped[dict[str, Any]] = mapped_column(JSON)  # data, window, seed, rows
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActiveModel(Base):
    """The one row saying which version every server must serve."""

    __tablename__ = "active_model"
    __table_args__ = (CheckConstraint("id = 1", name="singleton"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    version: Mapped[str] = mapped_column(ForeignKey("model_versions.version"))
    activated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
