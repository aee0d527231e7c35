"""Registering, reading, updating and erasing phone-app installations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, text

from pepper.auth.models import ApiClient
from pepper.auth.service import create_client
from pepper.auth.tokens import hash_token
from pepper.db import UnitOfWork, UTCDateTime
from pepper.devices.models import Device
from pepper.errors import Unauthorized, Unprocessable
from pepper.numbers import normalize

SETTABLE = ("sensitivity", "withheld_action", "own_number", "app_version", "os_version")


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    id: int
    client_id: int
    platform: str
    app_version: str
    os_version: str
    device_model: str
    default_region: str
    sensitivity: str
    withheld_action: str
    own_number: str | None
    created_at: datetime


def _info(device: Device) -> DeviceInfo:
    return DeviceInfo(
        id=device.id,
        client_id=device.client_id,
        platform=device.platform,
        app_version=device.app_version,
        os_version=device.os_version,
        device_model=device.device_model,
        default_region=device.default_region,
        sensitivity=device.sensitivity,
        withheld_action=device.withheld_action,
        own_number=device.own_number,
        created_at=device.created_at,
    )


def own_number_of(raw: str | None, region: str) -> str | None:
    if not raw:
        return None
    number = normalize(raw, region)
    if number.e164 is None or number.impossible:
        raise Unprocessable("own_number must be a full, possible phone number")
    return number.e164


def register(uow: UnitOfWork, **fields: Any) -> tuple[DeviceInfo, str]:
    """Register an installation; returns it with its token (shown only this once)."""
    fields["own_number"] = own_number_of(fields.get("own_number"), fields["default_region"])
    client, token = create_client(uow.session, kind="device", name=fields["device_model"])
    device = Device(client_id=client.id, **fields)
    uow.session.add(device)
    uow.session.flush()
    info = _info(device)
    uow.commit()
    return info, token


# A live device token's device, in DeviceInfo's order; S608: constants only.
_DEVICES = (
    "SELECT d.id, d.client_id, d.platform, d.app_version, d.os_version, d.device_model,"
    " d.default_region, d.sensitivity, d.withheld_action, d.own_number, d.created_at,"
    " c.token_hash FROM api_clients c JOIN devices d ON d.client_id = c.id"
    " WHERE c.kind = 'device' AND c.revoked_at IS NULL AND c.token_hash"
)
# One indexed lookup by the token's hash, in Core: it runs on every call decision.
_BY_TOKEN = text(_DEVICES + " = :token_hash").columns(created_at=UTCDateTime())
_BY_TOKENS = (
    text(_DEVICES + " IN :token_hashes")
    .bindparams(bindparam("token_hashes", expanding=True))
    .columns(created_at=UTCDateTime())
)


def device_by_token(connection: Connection, *, token: str) -> DeviceInfo:
    """The device holding this token; raises Unauthorized for unknown or revoked ones.

    No per-process cache: a revocation is a committed row, so every server refuses the
    token on its next request.
    """
    row = connection.execute(_BY_TOKEN, {"token_hash": hash_token(token)}).first()
    if row is None:
        raise Unauthorized()
    return DeviceInfo(*row[:-1])


def devices_by_token_hashes(
    connection: Connection, token_hashes: list[str]
) -> dict[str, DeviceInfo]:
    """The devices of those token hashes still live (erased and revoked ones absent)."""
    rows = connection.execute(_BY_TOKENS, {"token_hashes": token_hashes})
    return {row[-1]: DeviceInfo(*row[:-1]) for row in rows}


def device_by_id(uow: UnitOfWork, device_id: int) -> DeviceInfo | None:
    device = uow.session.get(Device, device_id)
    return None if device is None else _info(device)


def device_for_token(uow: UnitOfWork, token: str) -> DeviceInfo:
    return device_by_token(uow.session.connection(), token=token)


def update(uow: UnitOfWork, device_id: int, changes: dict[str, Any]) -> DeviceInfo:
    device = uow.session.get_one(Device, device_id)
    if "own_number" in changes:
        changes["own_number"] = own_number_of(changes["own_number"], device.default_region)
    for name in SETTABLE:
        if name in changes:
            setattr(device, name, changes[name])
    uow.session.flush()
    info = _info(device)
    uow.note_change("device", device_id)
    uow.commit()
    return info


def erase(uow: UnitOfWork, device: DeviceInfo) -> None:
    """Forget a device: its token, lists and idempotency keys go; its reports stay as
    anonymous evidence (their link to the device is cut by ON DELETE SET NULL)."""
    uow.session.execute(delete(Device).where(Device.id == device.id))
    uow.session.execute(delete(ApiClient).where(ApiClient.id == device.client_id))
    uow.note_change("device", device.id)
    uow.commit()
