"""``/livez`` answers for the process alone; ``/readyz`` for its dependencies."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from pepper.health.service import readiness
from pepper.http.problems import problem
from pepper.runtime import runtime
from pepper.screening.views import screener

blueprint = Blueprint("health", __name__)


@blueprint.get("/livez")
def livez() -> Response:
    return jsonify(status="alive")


@blueprint.get("/readyz")
def readyz() -> Response:
    checks = readiness(runtime())
    body = {name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()}
    scorer = screener().scorer
    scorer.refresh()
    if all(c.ok for c in checks.values()):
        return jsonify(status="ready", checks=body, model_version=scorer.version)
    return problem(
        503, "not_ready", "Not ready", "a dependency is failing", checks=body,
        model_version=scorer.version,
    )  # fmt: skip
