"""``GET /metrics``: Prometheus metrics, right across every gunicorn worker.

With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn.conf.py sets it) each worker writes its
samples to files there and this view merges them, so the counts are the service's,
not one worker's. Protected: with ``PEPPER_METRICS_TOKEN`` set a bearer token is
required, otherwise only loopback clients are answered.
"""

from __future__ import annotations

import hmac
import os

from flask import Blueprint, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from pepper.errors import Forbidden
from pepper.runtime import runtime
from pepper.tally import tally

blueprint = Blueprint("metrics", __name__)
LOOPBACK = ("127.", "::1")


def _allowed() -> bool:
    token = runtime().settings.metrics_token
    if token is not None:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(sent.encode(), token.get_secret_value().encode())
    return (request.remote_addr or "").startswith(LOOPBACK)


@blueprint.get("/metrics")
def metrics() -> Response:
    if not _allowed():
        raise Forbidden("metrics need PEPPER_METRICS_TOKEN or a loopback client")
    tally.flush()  # this process's counts to the second; other workers' within a second
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    return Response(body, mimetype=CONTENT_TYPE_LATEST)
