"""The OpenAPI-documented API object: schemas are the single source of the document."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from pepper import __version__
from pepper.http.problems import from_http_exception

API_KEY = "pepper.api"


class PepperApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, rendering its errors (validation 422s included) as problems."""

    def handle_http_exception(self, error: HTTPException) -> Response:
        return from_http_exception(error)


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
