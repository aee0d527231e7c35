"""``POST /v1/field-issues``: what phone apps saw go wrong, for grouping by device."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from pepper.diagnostics import service
from pepper.http.auth import DEVICE_AUTH, authenticate_device, current_device
from pepper.numbers import normalize
from pepper.runtime import runtime
from pepper.screening.views import screener

blp = Blueprint("field_issues", __name__, url_prefix="/v1", description="Field issues")
blp.before_request(authenticate_device)


class FieldIssueIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(service.KINDS))
    message = fields.String(required=True, validate=validate.Length(1, 1000))
    app_version = fields.String(required=True, validate=validate.Length(1, 32))
    os_name = fields.String(required=True, validate=validate.OneOf(["android", "ios"]))
    os_version = fields.String(required=True, validate=validate.Length(1, 32))
    manufacturer = fields.String(required=True, validate=validate.Length(1, 64))
    device_model = fields.String(required=True, validate=validate.Length(1, 64))
    carrier = fields.String(load_default=None, allow_none=True, validate=validate.Length(0, 64))
    screening_latency_ms = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(0, 600_000)
    )
    decision_id = fields.String(
        load_default=None,
        allow_none=True,
        # A signed receipt from /v1/screen, or the 32-hex ids of older servers (stored,
        # never linked).
        validate=validate.Regexp(r"^(?:[0-9a-f]{32}|[A-Za-z0-9_-]{50})$"),
    )
    number = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 64),
        metadata={
            "description": "The caller's number, for wrong_block/wrong_allow: checked against "
            "the decision's receipt and kept only as model feedback, never in the issue."
        },
    )
    stack_trace = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(0, 20_000)
    )


class FieldIssueOut(Schema):
    id = fields.Integer(required=True)


@blp.post("/field-issues")
@blp.arguments(FieldIssueIn)
@blp.response(201, FieldIssueOut)
@blp.doc(security=DEVICE_AUTH)
def report_field_issue(body: dict[str, Any]) -> Response:
    """Store a field issue (scrubbed of phone numbers) and forward it to Sentry."""
    device = current_device()
    number = body.pop("number", None)
    e164 = normalize(number, device.default_region).e164 if number else None
    with runtime().uow() as uow:
        issue_id = service.report(
            uow, device_id=device.id, fields=body, receipts=screener().receipts, e164=e164
        )
    response = jsonify({"id": issue_id})
    response.status_code = 201
    return response
