"""The app factory: the only place where a Pepper process is assembled."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from pepper import health
from pepper.complaints.cli import import_cli
from pepper.db.cli import db_cli
from pepper.http import problems
from pepper.http.api import make_api
from pepper.logs import configure_logging
from pepper.runtime import EXTENSION_KEY, Runtime
from pepper.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    configure_logging(settings)
    app = Flask("pepper")
    app.config.update(
        SECRET_KEY=settings.secret_key.get_secret_value(),
        MAX_CONTENT_LENGTH=settings.max_content_length,
        # Bodies larger than this are refused before a view reads them (413).
        MAX_FORM_MEMORY_SIZE=settings.max_content_length,
    )
    if settings.proxy_hops:
        # Trust X-Forwarded-* from exactly the configured number of proxies: one more
        # and any client can spoof its address or the URL a webhook was signed for.
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )

    app.extensions[EXTENSION_KEY] = Runtime.build(settings)
    problems.init_app(app)
    make_api(app)
    health.init_app(app)
    app.cli.add_command(db_cli)
    app.cli.add_command(import_cli)
    return app
