"""The app factory: the only place where a Pepper process is assembled."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from pepper import health
from pepper.admin.cli import admin_cli, labels_cli, subscribers_cli
from pepper.admin.views import blp as admin_blp
from pepper.blocklist import views as blocklist
from pepper.blocklist.cli import lists_cli
from pepper.carriers.twilio import voice
from pepper.carriers.twilio.recorder import RECORDER_KEY, CallRecorder
from pepper.carriers.twilio.views import blp as twilio_blp
from pepper.carriers.twilio.voice import VoiceRoute
from pepper.complaints.cli import import_cli
from pepper.db import bulkhead
from pepper.db.cli import db_cli
from pepper.devices.views import blp as devices_blp
from pepper.diagnostics.metrics_view import blueprint as metrics_blueprint
from pepper.diagnostics.sentry import init_sentry
from pepper.diagnostics.views import blp as field_issues_blp
from pepper.http import limits, observe, problems
from pepper.http.api import make_api
from pepper.http.direct import PepperFlask
from pepper.jobs.cli import worker_command
from pepper.lists.views import blp as lists_blp
from pepper.logs import configure_logging
from pepper.model.cli import model_cli, simulate_command
from pepper.model.serving import ModelScorer
from pepper.reports.cli import reports_cli
from pepper.reports.views import blp as reports_blp
from pepper.reputation import params_for
from pepper.reputation.views import blp as numbers_blp
from pepper.runtime import EXTENSION_KEY, Runtime
from pepper.screening import views as screening
from pepper.screening.service import Screener
from pepper.screening.views import SCREENER_KEY, ScreenRoute
from pepper.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    configure_logging(settings)
    app = PepperFlask("pepper")
    app.config.update(
        SECRET_KEY=settings.secret_key.get_secret_value(),
        MAX_CONTENT_LENGTH=settings.max_content_length,
        # Bodies larger than this are refused before a view reads them (413).
        MAX_FORM_MEMORY_SIZE=settings.max_content_length,
    )
    if settings.proxy_hops:
        # Trust X-Forwarded-* from exactly the configured number of proxies: one more
        # and any client can spoof its address or the URL a webhook was signed for.
        trust = {
            f"x_{part}": settings.proxy_hops for part in ("for", "proto", "host", "port", "prefix")
        }
        app.wsgi_app = ProxyFix(app.wsgi_app, **trust)  # type: ignore[method-assign]
        app.direct_app = ProxyFix(app.direct_app, **trust)

    rt = Runtime.build(settings)
    app.extensions[EXTENSION_KEY] = rt
    observe.init_app(app)
    problems.init_app(app)
    api = make_api(app)
    health.init_app(app)
    app.register_blueprint(metrics_blueprint)
    for blueprint in (
        devices_blp, reports_blp, lists_blp, numbers_blp, admin_blp,
        field_issues_blp, blocklist.blp, blocklist.admin_blp,
    ):  # fmt: skip
        api.register_blueprint(blueprint)
    reputation = params_for(settings.reputation_half_life_days)
    scorer = ModelScorer(rt, reputation)
    screener = app.extensions[SCREENER_KEY] = Screener(rt, scorer)
    # The decision's own engine (PostgreSQL) stays out of Sentry's SQL instrumentation.
    init_sentry(settings, lambda: scorer.version, sql_engines=[rt.engine])
    limits.init_app(app, settings)
    if settings.db_request_slots:
        # After the limiter's hook: a slot is for database time only. Taken first, a slow
        # Redis (the limiter's checks) held every slot and the next request was shed
        # with a 503 while PostgreSQL was healthy (found by the cluster run).
        bulkhead.init_app(app, settings.db_request_slots)
    app.add_direct_route(
        screening.RULE, ["POST"], ScreenRoute(screener, limits.screen_limit(settings))
    )
    screening.document(api)
    if settings.twilio_auth_token is not None:
        # Without a token nothing could be verified: the webhooks are not served at all.
        app.register_blueprint(twilio_blp)
        recorder = app.extensions[RECORDER_KEY] = CallRecorder(
            rt.decision_engine, settings.call_record_flush_ms, settings.call_record_queue
        )
        app.add_direct_route(voice.RULE, ["POST"], VoiceRoute(rt, screener, recorder))
    blocklist.init_app(app)  # after the limiter: the route has its own limit
    app.cli.add_command(db_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(admin_cli)
    app.cli.add_command(subscribers_cli)
    app.cli.add_command(labels_cli)
    app.cli.add_command(model_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(simulate_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(lists_cli)
    return app
