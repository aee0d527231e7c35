"""``pepper model ...``: train, list, show and activate spam-model versions."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from pepper.errors import PepperError
from pepper.model import registry
from pepper.model.service import train_and_register
from pepper.runtime import runtime

model_cli = AppGroup("model", help="The spam model: versions, training, rollout.")


@model_cli.command("train")
@click.option("--rows", default=1_000_000, show_default=True, help="simulated calls")
@click.option("--seed", default=1, show_default=True)
@click.option("--force", is_flag=True, help="activate even if it does not beat the active one")
def train_command(rows: int, seed: int, force: bool) -> None:
    """Train a version on the simulation, evaluate it on the FTC time split, register it."""
    rt = runtime()
    ftc = rt.settings.ftc_data if rt.settings.ftc_data.exists() else None
    outcome = train_and_register(
        rt.uow, models_dir=rt.settings.models_dir, rows=rows, seed=seed, ftc_path=ftc,
        force=force, progress=lambda message: click.echo(message, err=True),
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
    """Roll every server forward or back to VERSION."""
    try:
        with runtime().uow() as uow:
            registry.activate(uow, version)
    except PepperError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"{version} is active")
