"""``pepper model ...``: train, list, show and activate spam-model versions."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import AppGroup

from pepper.errors import PepperError
from pepper.model import registry
from pepper.model.artifacts import ArtifactRefused
from pepper.model.features import FEATURE_NAMES, extract
from pepper.model.service import (
    activate_checked,
    export_default,
    install_default,
    train_and_register,
)
from pepper.model.simulate import ASSUMPTIONS, simulate
from pepper.model.training import SIMULATION_START
from pepper.runtime import runtime

model_cli = AppGroup("model", help="The spam model: versions, training, rollout.")


@model_cli.command("train")
@click.option("--rows", default=1_000_000, show_default=True, help="simulated calls")
@click.option("--seed", default=1, show_default=True)
@click.option("--force", is_flag=True, help="activate even if it does not beat the active one")
def train_command(rows: int, seed: int, force: bool) -> None:
    """Train a version (simulation, FTC history, the database's labels), evaluate it on
    the FTC time split, register it."""
    rt = runtime()
    ftc = rt.settings.ftc_data if rt.settings.ftc_data.exists() else None
    outcome = train_and_register(
        rt.uow, models_dir=rt.settings.models_dir, rows=rows, seed=seed, ftc_path=ftc,
        force=force, progress=lambda message: click.echo(message, err=True),
        half_life_days=rt.settings.reputation_half_life_days,
    )  # fmt: skip
    state = "activated" if outcome.activated else "registered, not activated"
    click.echo(f"{outcome.version}: {state} ({outcome.reason})")


@model_cli.command("list")
def list_command() -> None:
    with runtime().uow() as uow:
        for v in registry.all_versions(uow):
            mark = "*" if v.active else " "
            click.echo(
                f"{mark} {v.version}  {v.created_at:%Y-%m-%d %H:%M}  sklearn {v.sklearn_version}"
            )


@model_cli.command("show")
@click.argument("version", required=False)
def show_command(version: str | None) -> None:
    """Show a version (default: the active one) with its metrics."""
    try:
        with runtime().uow() as uow:
            info = registry.get(uow, version)
    except PepperError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(
        json.dumps(
            {
                "version": info.version,
                "active": info.active,
                "sha256": info.sha256,
                "sklearn_version": info.sklearn_version,
                "artifact": info.artifact,
                "features": list(info.features),
                "training": info.training,
                "metrics": info.metrics,
            },
            indent=2,
        )
    )


@model_cli.command("activate")
@click.argument("version")
def activate_command(version: str) -> None:
    """Roll every server forward or back to VERSION (refused if it cannot be loaded)."""
    rt = runtime()
    try:
        activate_checked(rt.uow, rt.settings.models_dir, version)
    except PepperError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"{version} is active")


@model_cli.command("export-default")
@click.argument("version")
def export_default_command(version: str) -> None:
    """Make VERSION the model a fresh install starts with (writes models/default.json)."""
    rt = runtime()
    try:
        path = export_default(rt.uow, rt.settings.models_dir, version)
    except PepperError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"{version} is the default model ({path})")


@model_cli.command("install-default")
def install_default_command() -> None:
    """Register the shipped default model; activate it if no model is active."""
    rt = runtime()
    try:
        installed = install_default(rt.uow, rt.settings.models_dir)
    except ArtifactRefused as exc:
        raise click.ClickException(f"the shipped default model was refused: {exc.reason}") from None
    click.echo(
        f"installed default model {installed}" if installed else "default model: nothing to do"
    )


@click.command("simulate")
@click.option("--calls", default=10_000, show_default=True)
@click.option("--seed", default=1, show_default=True)
@click.option("--out", type=click.File("w"), default="-", help="JSON lines (default: stdout)")
def simulate_command(calls: int, seed: int, out: Any) -> None:
    """Write SIMULATED calls (features, label, campaign) as JSON lines.

    A simulation for development and benchmarks; its assumptions are printed first.
    """
    click.echo(ASSUMPTIONS, err=True)
    for call in simulate(calls, seed=seed, start_epoch=SIMULATION_START):
        row = dict(zip(FEATURE_NAMES, extract(call.inputs), strict=True))
        out.write(
            json.dumps({"simulated": True, "label": call.label, "campaign": call.campaign, **row})
            + "\\n"
        )
