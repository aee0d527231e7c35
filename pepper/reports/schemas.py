from __future__ import annotations

from marshmallow import Schema, fields, validate

from pepper.http.schemas import PageArgs
from pepper.reports.service import CATEGORIES, VERDICTS


class ReportIn(Schema):
    number = fields.String(required=True, validate=validate.Length(1, 40))
    verdict = fields.String(required=True, validate=validate.OneOf(VERDICTS))
    category = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(CATEGORIES)
    )
    call_time = fields.AwareDateTime(load_default=None, allow_none=True)


class ReportOut(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    verdict = fields.String(required=True)
    category = fields.String(allow_none=True)
    call_time = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)


class ReportPage(Schema):
    items = fields.List(fields.Nested(ReportOut), required=True)
    next_cursor = fields.Integer(allow_none=True, required=True)


__all__ = ["PageArgs", "ReportIn", "ReportOut", "ReportPage"]
