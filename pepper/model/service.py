"""Train, register, compare and activate model versions."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sklearn

from pepper.db import utcnow
from pepper.errors import NotFound, Unprocessable
from pepper.jobs.service import UowFactory
from pepper.model import artifacts, label_store, registry
from pepper.model.fast import from_pipeline
from pepper.model.features import FEATURE_NAMES
from pepper.model.training import Progress, score_for_comparison, train


@dataclass(frozen=True, slots=True)
class TrainOutcome:
    version: str
    activated: bool
    reason: str
    metrics: dict[str, Any]


def train_and_register(
    uow_factory: UowFactory,
    *,
    models_dir: Path,
    rows: int,
    seed: int,
    ftc_path: Path | None,
    force: bool = False,
    progress: Progress | None = None,
    half_life_days: float = 90.0,
) -> TrainOutcome:
    """Train a version, store it, and activate it if it beats the active one (or forced).

    Besides the simulation and the FTC history, it trains on what people told us:
    operator labels, agreeing user reports and wrong-block/allow feedback in the database.
    """
    with uow_factory() as uow:
        labelled = label_store.dataset(uow.session, time.time(), half_life_days)
    trained = train(rows=rows, seed=seed, ftc_path=ftc_path, progress=progress, labelled=labelled)
    models_dir.mkdir(parents=True, exist_ok=True)
    staging = models_dir / f".training-{utcnow():%Y%m%d%H%M%S%f}.skops"
    sha = artifacts.save(trained.pipeline, staging)
    version = registry.new_version_name(sha)
    artifact = f"{version}.skops"
    staging.rename(models_dir / artifact)  # the final name appears only when complete
    info = registry.VersionInfo(
        version=version,
        artifact=artifact,
        sha256=sha,
        sklearn_version=sklearn.__version__,
        features=FEATURE_NAMES,
        training=trained.training,
        metrics=trained.metrics,
        created_at=utcnow(),
        active=False,
    )
    with uow_factory() as uow:
        registry.register(uow, info)
    activated, reason = _maybe_activate(uow_factory, version, trained.metrics, force)
    return TrainOutcome(version, activated, reason, trained.metrics)


def _maybe_activate(
    uow_factory: UowFactory, version: str, metrics: dict[str, Any], force: bool
) -> tuple[bool, str]:
    with uow_factory() as uow:
        try:
            current = registry.get(uow)
        except NotFound:
            current = None
        if force:
            reason = "forced by an admin"
        elif current is None:
            reason = "no model was active"
        else:
            mine, theirs = score_for_comparison(metrics), score_for_comparison(current.metrics)
            if mine <= theirs:
                return False, f"not better than {current.version} ({mine:.4f} <= {theirs:.4f})"
            reason = f"beats {current.version} ({mine:.4f} > {theirs:.4f})"
        registry.activate(uow, version)
    return True, reason


def load_version(models_dir: Path, info: registry.VersionInfo) -> Any:
    """The version's pipeline, refused unless hash and library version match."""
    return artifacts.load(
        models_dir / info.artifact,
        expected_sha256=info.sha256,
        expected_sklearn_version=info.sklearn_version,
    )


class ModelRefused(Unprocessable):
    code = "model_refused"
    title = "This model version cannot be served"


def activate_checked(uow_factory: UowFactory, models_dir: Path, version: str) -> None:
    """Point every server at ``version`` only after loading it the way servers will.

    Servers refuse a corrupt, tampered or mismatched artifact and keep what they serve,
    but a process that starts afterwards has nothing to keep: it would follow the
    pointer to the refused version and serve without a model while its peers serve the
    old one. So the pointer never moves to a version this host cannot load.
    """
    with uow_factory() as uow:
        info = registry.get(uow, version)
    if info.features != FEATURE_NAMES:
        raise ModelRefused(f"{version} was trained on other features than this code extracts")
    try:
        from_pipeline(load_version(models_dir, info), FEATURE_NAMES)
    except artifacts.ArtifactRefused as exc:
        raise ModelRefused(f"{version} was refused: {exc.reason}", reason=exc.reason) from None
    except ValueError:
        raise ModelRefused(f"{version} is not a logistic pipeline") from None
    with uow_factory() as uow:
        registry.activate(uow, version)


DEFAULT_MANIFEST = "default.json"


def export_default(uow_factory: UowFactory, models_dir: Path, version: str) -> Path:
    """Make ``version`` the model a fresh install starts with (models/default.json)."""
    with uow_factory() as uow:
        info = registry.get(uow, version)
    manifest = {
        "version": info.version,
        "artifact": info.artifact,
        "sha256": info.sha256,
        "sklearn_version": info.sklearn_version,
        "features": list(info.features),
        "training": info.training,
        "metrics": info.metrics,
    }
    path = models_dir / DEFAULT_MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path


def install_default(uow_factory: UowFactory, models_dir: Path) -> str | None:
    """Register the shipped default model and activate it if nothing is active.

    Returns the version installed, or None when there is no default or it was already
    registered. The artifact is checked (hash, library version) before it is trusted.
    """
    path = models_dir / DEFAULT_MANIFEST
    if not path.exists():
        return None
    manifest = json.loads(path.read_text())
    artifacts.load(
        models_dir / manifest["artifact"],
        expected_sha256=manifest["sha256"],
        expected_sklearn_version=manifest["sklearn_version"],
    )
    with uow_factory() as uow:
        if registry.version_exists(uow, manifest["version"]):
            return None
        registry.register(
            uow,
            registry.VersionInfo(
                version=manifest["version"], artifact=manifest["artifact"],
                sha256=manifest["sha256"], sklearn_version=manifest["sklearn_version"],
                features=tuple(manifest["features"]), training=manifest["training"],
                metrics=manifest["metrics"], created_at=utcnow(), active=False,
            ),
        )  # fmt: skip
    with uow_factory() as uow:
        if registry.active_version(uow) is None:
            registry.activate(uow, manifest["version"])
    return str(manifest["version"])
