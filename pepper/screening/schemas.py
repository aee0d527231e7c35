from __future__ import annotations

from marshmallow import Schema, fields, validate

from pepper.http.schemas import ReasonOut


class ScreenIn(Schema):
    number = fields.String(required=True, validate=validate.Length(1, 64))
    verstat = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(0, 64),
        metadata={"description": "passed | failed | not_verified, or a carrier verstat string"},
    )
    in_contacts = fields.Boolean(load_default=False)
    call_time = fields.AwareDateTime(load_default=None, allow_none=True)


class AndroidOut(Schema):
    disallow = fields.Boolean(required=True)
    reject = fields.Boolean(required=True)
    silence = fields.Boolean(required=True)
    skip_call_log = fields.Boolean(required=True)
    skip_notification = fields.Boolean(required=True)


class DecisionOut(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["allow", "silence", "block"]))
    label = fields.String(allow_none=True, required=True)
    category = fields.String(allow_none=True, required=True)
    score = fields.Float(required=True, validate=validate.Range(0, 1))
    reasons = fields.List(fields.Nested(ReasonOut), required=True)
    decision_id = fields.String(required=True)
    model_version = fields.String(allow_none=True, required=True)
    cache_ttl_s = fields.Integer(required=True)
    degraded = fields.Boolean(required=True)
    android = fields.Nested(AndroidOut, required=True)
