from __future__ import annotations

from marshmallow import Schema, fields, validate


class BlocklistArgs(Schema):
    since = fields.String(
        load_default=None,
        validate=validate.Length(1, 40),
        metadata={"description": "the sync_token of the list the client holds; absent: full"},
    )
    country = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[A-Z]{2}$"),
        metadata={
            "description": "ISO region whose calling code's list is wanted (default: "
            "the device's region); US and CA share the +1 list"
        },
    )
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "binary"]))
    chunk = fields.Integer(
        load_default=None,
        validate=validate.Range(1, 100_000),
        metadata={"description": "at most this many tombstones and entries per answer"},
    )
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(1, 80),
        metadata={"description": "next_cursor of the previous page"},
    )
    personal = fields.Boolean(
        load_default=False,
        metadata={"description": "merge the device's exact personal block entries"},
    )


class BlocklistOut(Schema):
    version = fields.Integer(required=True)
    since = fields.Integer(required=True, metadata={"description": "0 for a full list"})
    sync_token = fields.String(required=True)
    next_cursor = fields.String(required=True, allow_none=True)
    model_version = fields.String(
        required=True,
        metadata={
            "description": "the spam model that ranked this version; reputation-v1: "
            "reputation alone (no model was active, or it was refused)"
        },
    )
    country_code = fields.Integer(required=True)
    full = fields.Boolean(required=True)
    labels = fields.List(fields.String(), required=True)
    remove = fields.List(fields.Integer(), required=True)
    block = fields.List(fields.Integer(), required=True)
    identify = fields.List(fields.Integer(), required=True)
    identify_labels = fields.List(fields.Integer(), required=True)
