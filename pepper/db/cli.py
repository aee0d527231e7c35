"""``pepper db ...``: schema migrations."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from pepper.db import migrations
from pepper.runtime import runtime

db_cli = AppGroup("db", help="Database schema migrations.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Migrate the database up to REVISION (default: head)."""
    migrations.upgrade(runtime().settings.database_url, revision)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Migrate the database down to REVISION."""
    migrations.downgrade(runtime().settings.database_url, revision)
    click.echo(f"database at {revision}")


@db_cli.command("current")
def current_command() -> None:
    """Print the database's revision and the code's head."""
    with runtime().engine.connect() as connection:
        current = migrations.current_revision(connection)
    click.echo(f"current: {current}  head: {migrations.head_revision()}")
