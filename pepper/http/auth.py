"""Bearer-token authentication for the phone-app routes."""

from __future__ import annotations

import hashlib

from flask import request

from pepper.devices.service import DeviceInfo, device_for_token
from pepper.errors import Unauthorized
from pepper.runtime import runtime


def bearer_of(authorization: str) -> str:
    """The token of an ``Authorization: Bearer`` header; 401 when there is none."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise Unauthorized()
    return token


def bearer_token() -> str:
    return bearer_of(request.headers.get("Authorization", ""))


def fingerprint(token: str) -> str:
    """A stable, non-secret key for per-token rate limits (never the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()[:24]


def token_fingerprint() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return fingerprint(token.strip())


def authenticate_device() -> None:
    """``before_request`` of device routes: 401 comes before any validation of the body.

    Looked up on every request, never cached across requests: a revoked token must fail
    on the next request on every server.
    """
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    token = bearer_token()
    with runtime().uow() as uow:
        request.pepper_device = device_for_token(uow, token)  # type: ignore[attr-defined]


def current_device() -> DeviceInfo:
    """The device ``authenticate_device`` found for this request."""
    device = getattr(request, "pepper_device", None)
    if not isinstance(device, DeviceInfo):
        raise Unauthorized()
    return device


PUBLIC_ENDPOINTS = frozenset({"devices.register"})

# OpenAPI security requirement of the device routes.
DEVICE_AUTH: list[dict[str, list[str]]] = [{"device": []}]
