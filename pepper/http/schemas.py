"""Schemas shared by several API domains."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class PageArgs(Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ReasonOut(Schema):
    code = fields.String(required=True)
    detail = fields.String(required=True)


QUEUED_DOC = (
    "The database is unavailable: the write is queued and will be applied once when it is"
    " back (production deployments, with Redis)"
)


class QueuedOut(Schema):
    status = fields.String(required=True, metadata={"description": "always 'queued'"})
    ticket = fields.String(required=True, metadata={"description": "names the queued write"})
    detail = fields.String(required=True)
