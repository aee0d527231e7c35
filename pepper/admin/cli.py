"""``pepper admin ...`` and ``pepper subscribers ...``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from pepper.auth.service import create_client
from pepper.carriers.twilio import subscribers
from pepper.errors import PepperError
from pepper.runtime import runtime

admin_cli = AppGroup("admin", help="Administrators and their tokens.")
subscribers_cli = AppGroup("subscribers", help="Twilio numbers screened by Pepper.")


@admin_cli.command("create-token")
@click.argument("name")
def create_token_command(name: str) -> None:
    """Create an admin token (printed once; only its hash is stored)."""
    with runtime().uow() as uow:
        _, token = create_client(uow.session, kind="admin", name=name)
        uow.commit()
    click.echo(token)


@subscribers_cli.command("add")
@click.argument("twilio_number")
@click.argument("ring_to")
@click.option("--mode", type=click.Choice(["block", "challenge", "label"]), default="block")
@click.option("--device-id", type=int, default=None)
def add_command(twilio_number: str, ring_to: str, mode: str, device_id: int | None) -> None:
    """Screen calls to TWILIO_NUMBER and ring RING_TO for allowed ones."""
    rt = runtime()
    try:
        with rt.uow() as uow:
            info = subscribers.add(
                uow, twilio_number=twilio_number, ring_to=ring_to, mode=mode,
                device_id=device_id, region=rt.settings.default_region,
            )  # fmt: skip
    except PepperError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"subscriber {info.id}: {info.twilio_number} -> {info.ring_to} ({info.mode})")


@subscribers_cli.command("list")
def list_command() -> None:
    with runtime().uow() as uow:
        for s in subscribers.all_subscribers(uow):
            click.echo(f"{s.id}\t{s.twilio_number}\t{s.ring_to}\t{s.mode}\t{s.device_id or ''}")


@subscribers_cli.command("remove")
@click.argument("subscriber_id", type=int)
def remove_command(subscriber_id: int) -> None:
    try:
        with runtime().uow() as uow:
            subscribers.remove(uow, subscriber_id)
    except PepperError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"subscriber {subscriber_id} removed")
