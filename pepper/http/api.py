"""The OpenAPI-documented API object: schemas are the single source of the document."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask_smorest import Api
from marshmallow import INCLUDE, Schema, fields
from werkzeug.exceptions import HTTPException

from pepper import __version__
from pepper.http.problems import PROBLEM_MIME, from_http_exception

API_KEY = "pepper.api"


class ProblemSchema(Schema):
    """RFC 9457 problem details, the shape of every error (extension members allowed)."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    code = fields.String(required=True)
    detail = fields.String()
    errors = fields.Dict(metadata={"description": "field → messages, on validation errors"})


class PepperApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, rendering its errors (validation 422s included) as problems."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Response:
        return from_http_exception(error)

    def _register_responses(self) -> None:
        # Document error responses as what they are: application/problem+json.
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_MIME
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE


def make_api(app: Flask) -> PepperApi:
    app.config.update(
        API_TITLE="Pepper",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_REDOC_PATH="docs",
        OPENAPI_REDOC_URL="https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js",
    )
    spec_options: dict[str, Any] = {
        "components": {
            "securitySchemes": {
                "device": {"type": "http", "scheme": "bearer"},
                "admin": {"type": "http", "scheme": "bearer"},
            }
        }
    }
    api = PepperApi(app, spec_kwargs=spec_options)
    app.extensions[API_KEY] = api
    return api
