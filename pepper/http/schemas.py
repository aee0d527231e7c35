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


DEGRADED_HEADER = "Pepper-Degraded"
# OpenAPI ``headers`` of an answer that may come from the standby (pepper/standby).
DEGRADED_HEADER_DOC = {
    DEGRADED_HEADER: {
        "description": "present ('true') when the database was unavailable and the answer"
        " was made from what the server kept for that case (production deployments, with"
        " Redis); writes still queued are not in it",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


class QueuedOut(Schema):
    status = fields.String(required=True, metadata={"description": "always 'queued'"})
    ticket = fields.String(required=True, metadata={"description": "names the queued write"})
    detail = fields.String(required=True)
