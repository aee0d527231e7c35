"""The registry of trained models and the one active pointer.

A version is immutable: its artifact file under ``models/`` and the sha256 the database
holds for it. Activating is one upsert of a single row, so every server sees either the
old or the new version, never a mixture.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from pepper.db import UnitOfWork, utcnow
from pepper.db.dialect import upsert
from pepper.errors import NotFound
from pepper.model.models import ActiveModel, ModelVersion


@dataclass(frozen=True, slots=True)
class VersionInfo:
    version: str
    artifact: str
    sha256: str
    sklearn_version: str
    features: tuple[str, ...]
    training: dict[str, Any]
    metrics: dict[str, Any]
    created_at: datetime
    active: bool


def _info(row: ModelVersion, active: str | None) -> VersionInfo:
    return VersionInfo(
        row.version, row.artifact, row.sha256, row.sklearn_version, tuple(row.features),
        row.training, row.metrics, row.created_at, row.version == active,
    )  # fmt: skip


def register(uow: UnitOfWork, info: VersionInfo) -> None:
    uow.session.add(
        ModelVersion(
            version=info.version,
            artifact=info.artifact,
            sha256=info.sha256,
            sklearn_version=info.sklearn_version,
            features=list(info.features),
            training=info.training,
            metrics=info.metrics,
            created_at=info.created_at,
        )
    )
    uow.commit()


def version_exists(uow: UnitOfWork, version: str) -> bool:
    return uow.session.get(ModelVersion, version) is not None


def active_version(uow: UnitOfWork) -> str | None:
    return uow.session.scalar(select(ActiveModel.version).where(ActiveModel.id == 1))


def activate(uow: UnitOfWork, version: str) -> None:
    """Point every server at ``version`` (roll forward or back) in one statement."""
    if uow.session.get(ModelVersion, version) is None:
        raise NotFound(f"no model version {version}")
    session = uow.session
    session.execute(
        upsert(session, ActiveModel.__table__)
        .values(id=1, version=version, activated_at=utcnow())
        .on_conflict_do_update(
            index_elements=["id"], set_={"version": version, "activated_at": utcnow()}
        )
    )
    uow.commit()


def get(uow: UnitOfWork, version: str | None = None) -> VersionInfo:
    """A version, or the active one."""
    active = active_version(uow)
    wanted = version or active
    row = uow.session.get(ModelVersion, wanted) if wanted else None
    if row is None:
        raise NotFound("no such model version" if version else "no active model")
    return _info(row, active)


def all_versions(uow: UnitOfWork) -> list[VersionInfo]:
    active = active_version(uow)
    rows = uow.session.scalars(select(ModelVersion).order_by(ModelVersion.created_at))
    return [_info(r, active) for r in rows]


def new_version_name(sha256: str) -> str:
    return f"m{utcnow():%Y%m%d%H%M%S}-{sha256[:8]}"
