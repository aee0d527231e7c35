"""Bearer-token authentication for the phone-app routes."""

from __future__ import annotations

import hashlib

from flask import request
from sqlalchemy.exc import SQLAlchemyError

from pepper.auth.tokens import hash_token
from pepper.db.bulkhead import wait_for_slot
from pepper.db.outage import unavailable
from pepper.devices.service import DeviceInfo, device_for_token
from pepper.errors import Unauthorized, Unavailable
from pepper.runtime import runtime
from pepper.standby.http import database_failed, database_usable
from pepper.standby.service import Standby


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
    on the next request on every server. Only while PostgreSQL cannot answer is the
    device taken from Redis, where each successful check left it (pepper/standby): a
    token that was never seen, or was erased, is then a 503, never a guess.
    """
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    token = bearer_token()
    rt = runtime()
    standby = rt.standby
    if standby is not None and not database_usable():
        recalled = _recalled(standby, token)
        if recalled is not None:
            request.pepper_device = recalled  # type: ignore[attr-defined]
            return
        # Unknown to the standby (Redis lost its data, or the device is new to it): only
        # the database can tell, if it answers and a slot frees in a moment.
        if not (standby.database_up() and wait_for_slot(rt.settings.db_slot_wait_ms / 1000)):
            raise Unavailable(
                "the database is busy or away and this device is not known without it; retry"
            )
    try:
        with rt.uow() as uow:
            device = device_for_token(uow, token)
    except SQLAlchemyError as error:
        if standby is None or not unavailable(error):
            raise
        database_failed()
        recalled = _recalled(standby, token)
        if recalled is None:
            raise
        device = recalled
    else:
        if standby is not None and standby.devices.remember(hash_token(token), device):
            # First seen by this process (or Redis lost its data): an outage must find
            # its lists too, even if the phone never read them.
            standby.lists.refresh_now(rt.uow, device.id)
    request.pepper_device = device  # type: ignore[attr-defined]


def _recalled(standby: Standby, token: str) -> DeviceInfo | None:
    """The device Redis kept for this token, the request marked degraded; or None."""
    device = standby.devices.recall(hash_token(token))
    if device is not None:
        request.pepper_degraded = True  # type: ignore[attr-defined]
    return device


def current_device() -> DeviceInfo:
    """The device ``authenticate_device`` found for this request."""
    device = getattr(request, "pepper_device", None)
    if not isinstance(device, DeviceInfo):
        raise Unauthorized()
    return device


PUBLIC_ENDPOINTS = frozenset({"devices.register"})

# OpenAPI security requirement of the device routes.
DEVICE_AUTH: list[dict[str, list[str]]] = [{"device": []}]
