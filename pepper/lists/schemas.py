from __future__ import annotations

from marshmallow import Schema, fields, validate

from pepper.http.schemas import PageArgs


class EntryIn(Schema):
    pattern = fields.String(
        required=True,
        validate=validate.Length(1, 40),
        metadata={"description": "a number in any format, or a prefix such as +1415555*"},
    )
    label = fields.String(load_default=None, allow_none=True, validate=validate.Length(0, 80))


class EntryOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    pattern = fields.String(required=True)
    label = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


class EntryPage(Schema):
    items = fields.List(fields.Nested(EntryOut), required=True)
    next_cursor = fields.Integer(allow_none=True, required=True)


__all__ = ["EntryIn", "EntryOut", "EntryPage", "PageArgs"]
