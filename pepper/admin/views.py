"""``/admin/...``: admin-token routes (subscribers, operator labels, models, jobs)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, jsonify
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from pepper.auth.service import find_client
from pepper.carriers.twilio import subscribers
from pepper.carriers.twilio.service import MODES, SubscriberInfo
from pepper.db import utcnow
from pepper.diagnostics import service as field_issues
from pepper.http.auth import bearer_token
from pepper.http.schemas import PageArgs
from pepper.jobs import service as jobs
from pepper.model.jobs import enqueue_training
from pepper.model.service import activate_checked
from pepper.reports.service import CATEGORIES
from pepper.reputation import labels
from pepper.runtime import runtime

blp = Blueprint("admin", __name__, url_prefix="/admin", description="Operators")
ADMIN_AUTH: list[dict[str, list[str]]] = [{"admin": []}]


@blp.before_request
def _admin_only() -> None:
    """Admin tokens only: a device token is as good as none here (and vice versa)."""
    token = bearer_token()
    with runtime().uow() as uow:
        find_client(uow.session, token, kind="admin")


class SubscriberIn(Schema):
    twilio_number = fields.String(required=True, validate=validate.Length(1, 40))
    ring_to = fields.String(required=True, validate=validate.Length(1, 40))
    mode = fields.String(load_default="block", validate=validate.OneOf(MODES))
    device_id = fields.Integer(load_default=None, allow_none=True)


class SubscriberOut(Schema):
    id = fields.Integer(required=True)
    twilio_number = fields.String(required=True)
    ring_to = fields.String(required=True)
    mode = fields.String(required=True)
    device_id = fields.Integer(allow_none=True)


@blp.post("/subscribers")
@blp.arguments(SubscriberIn)
@blp.response(201, SubscriberOut)
@blp.doc(security=ADMIN_AUTH)
def create_subscriber(body: dict[str, Any]) -> SubscriberInfo:
    rt = runtime()
    with rt.uow() as uow:
        return subscribers.add(uow, region=rt.settings.default_region, **body)


@blp.get("/subscribers")
@blp.response(200, SubscriberOut(many=True))
@blp.doc(security=ADMIN_AUTH)
def list_subscribers() -> list[SubscriberInfo]:
    with runtime().uow() as uow:
        return subscribers.all_subscribers(uow)


@blp.delete("/subscribers/<int:subscriber_id>")
@blp.response(204)
@blp.doc(security=ADMIN_AUTH)
def delete_subscriber(subscriber_id: int) -> None:
    with runtime().uow() as uow:
        subscribers.remove(uow, subscriber_id)


class LabelIn(Schema):
    pattern = fields.String(
        required=True,
        validate=validate.Length(1, 40),
        metadata={"description": "a number in any format, or a prefix such as +1415555*"},
    )
    verdict = fields.String(
        required=True,
        validate=validate.OneOf(labels.VERDICTS),
        metadata={"description": "allow clears a (spoofed) number; block condemns it"},
    )
    category = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(CATEGORIES)
    )
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(0, 200))


class LabelOut(Schema):
    id = fields.Integer(required=True)
    pattern = fields.String(required=True)
    verdict = fields.String(required=True)
    category = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


class LabelPage(Schema):
    items = fields.List(fields.Nested(LabelOut), required=True)
    next_cursor = fields.Integer(allow_none=True, required=True)


@blp.post("/labels")
@blp.arguments(LabelIn)
@blp.response(201, LabelOut)
@blp.alt_response(200, schema=LabelOut, description="the pattern's label was replaced")
@blp.doc(security=ADMIN_AUTH)
def set_label(body: dict[str, Any]) -> Response:
    """Label a number or prefix for every device; every server applies it within a poll."""
    rt = runtime()
    with rt.uow() as uow:
        info, created = labels.set_label(
            uow, raw_pattern=body["pattern"], verdict=body["verdict"],
            category=body["category"], note=body["note"], region=rt.settings.default_region,
        )  # fmt: skip
    response = jsonify(LabelOut().dump(info))
    response.status_code = 201 if created else 200
    return response


@blp.get("/labels")
@blp.arguments(PageArgs, location="query")
@blp.response(200, LabelPage)
@blp.doc(security=ADMIN_AUTH)
def list_labels(args: dict[str, Any]) -> dict[str, Any]:
    with runtime().uow() as uow:
        items, cursor = labels.page(uow, after=args["after"], limit=args["limit"])
    return {"items": items, "next_cursor": cursor}


@blp.delete("/labels/<int:label_id>")
@blp.response(204)
@blp.doc(security=ADMIN_AUTH)
def delete_label(label_id: int) -> None:
    with runtime().uow() as uow:
        labels.remove(uow, label_id)


class TrainIn(Schema):
    rows = fields.Integer(load_default=200_000, validate=validate.Range(1_000, 2_000_000))
    seed = fields.Integer(load_default=1)
    force = fields.Boolean(load_default=False)


class JobOut(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    state = fields.String(required=True)
    progress = fields.String(required=True)
    params = fields.Dict(required=True)
    result = fields.Dict(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


@blp.post("/models/train")
@blp.arguments(TrainIn)
@blp.response(202, JobOut)
@blp.doc(security=ADMIN_AUTH)
def train_model(body: dict[str, Any]) -> Any:
    """Start a training job; while one runs anywhere, this returns that job."""
    job, _ = enqueue_training(runtime(), **body)
    return job


@blp.get("/jobs/<job_id>")
@blp.response(200, JobOut)
@blp.doc(security=ADMIN_AUTH)
def get_job(job_id: str) -> Any:
    return jobs.get(runtime().uow, job_id)


@blp.post("/models/<version>/activate")
@blp.response(204)
@blp.doc(security=ADMIN_AUTH)
def activate_model(version: str) -> None:
    """Roll every server forward or back to this version (422 if it cannot be loaded)."""
    rt = runtime()
    activate_checked(rt.uow, rt.settings.models_dir, version)


class SummaryArgs(Schema):
    hours = fields.Integer(load_default=24, validate=validate.Range(1, 24 * 90))


class SummaryRowOut(Schema):
    kind = fields.String(required=True)
    device_model = fields.String(required=True)
    os_version = fields.String(required=True)
    app_version = fields.String(required=True)
    count = fields.Integer(required=True)


@blp.get("/field-issues/summary")
@blp.arguments(SummaryArgs, location="query")
@blp.response(200, SummaryRowOut(many=True))
@blp.doc(security=ADMIN_AUTH)
def field_issue_summary(args: dict[str, Any]) -> Any:
    """Field issues by kind × device model × OS version × app version, largest first."""
    until = utcnow()
    with runtime().uow() as uow:
        return field_issues.summary(uow, since=until - timedelta(hours=args["hours"]), until=until)
