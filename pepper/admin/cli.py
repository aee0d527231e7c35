"""``pepper admin ...`` and ``pepper subscribers ...``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from pepper.auth.service import create_client
from pepper.carriers.twilio import subscribers
from pepper.errors import PepperError
from pepper.reports.service import CATEGORIES
from pepper.reputation import labels
from pepper.runtime import runtime

admin_cli = AppGroup("admin", help="Administrators and their tokens.")
subscribers_cli = AppGroup("subscribers", help="Twilio numbers screened by Pepper.")
labels_cli = AppGroup("labels", help="Operator labels: clear or block a number or prefix.")


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


@labels_cli.command("set")
@click.argument("pattern")
@click.argument("verdict", type=click.Choice(labels.VERDICTS))
@click.option("--category", type=click.Choice(CATEGORIES), default=None)
@click.option("--note", default=None, help="Why (kept with the label; no phone numbers).")
def set_label_command(pattern: str, verdict: str, category: str | None, note: str | None) -> None:
    """Label PATTERN (a number, or a prefix such as +1415555*) allow or block."""
    rt = runtime()
    try:
        with rt.uow() as uow:
            info, created = labels.set_label(
                uow, raw_pattern=pattern, verdict=verdict, category=category, note=note,
                region=rt.settings.default_region,
            )  # fmt: skip
    except PepperError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"label {info.id}: {info.pattern} {info.verdict}{'' if created else ' (replaced)'}")


@labels_cli.command("list")
def list_labels_command() -> None:
    after: int | None = 0
    with runtime().uow() as uow:
        while after is not None:
            items, after = labels.page(uow, after=after, limit=500)
            for i in items:
                click.echo(f"{i.id}\t{i.pattern}\t{i.verdict}\t{i.category or ''}\t{i.note or ''}")


@labels_cli.command("remove")
@click.argument("label_id", type=int)
def remove_label_command(label_id: int) -> None:
    try:
        with runtime().uow() as uow:
            labels.remove(uow, label_id)
    except PepperError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"label {label_id} removed")
