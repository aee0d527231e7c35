"""Liveness and readiness probes."""

from flask import Flask

from pepper.health.views import blueprint


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
