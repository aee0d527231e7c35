"""The ``pepper`` command: Flask's CLI with our groups, built on the app factory."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from pepper.settings import SettingsError


def _create_app() -> Flask:
    from pepper.app import create_app

    try:
        return create_app()
    except SettingsError as exc:
        # One line and a non-zero exit, not a traceback: see settings.py.
        click.echo(f"pepper: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli() -> None:
    """Pepper call-screening backend."""


def main() -> None:
    cli(prog_name="pepper")
