"""Pepper: a self-hostable call-screening backend."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from pepper.settings import Settings

try:
    __version__ = version("pepper")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask app (see ``pepper.app``).

    Imported lazily so that the pure core (``pepper.numbers`` and friends) can be used
    without loading Flask, SQLAlchemy or anything else heavy.
    """
    from pepper.app import create_app as _create_app

    return _create_app(settings)


__all__ = ["__version__", "create_app"]
