"""``pepper reports purge-keys``: forget Idempotency-Keys past their retention."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from pepper.reports.idempotency import purge_expired
from pepper.runtime import runtime

reports_cli = AppGroup("reports", help="Reports and their idempotency keys.")


@reports_cli.command("purge-keys")
def purge_keys_command() -> None:
    """Delete Idempotency-Keys older than PEPPER_IDEMPOTENCY_RETENTION_DAYS (run daily)."""
    with runtime().uow() as uow:
        click.echo(f"purged {purge_expired(uow)} expired idempotency keys")
