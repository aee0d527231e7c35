"""``/v1/devices``: register an installation, read and change its settings, erase it."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from pepper.devices import service
from pepper.devices.schemas import DeviceIn, DeviceOut, DeviceUpdate, RegisteredOut
from pepper.http.auth import DEVICE_AUTH, authenticate_device, current_device
from pepper.runtime import runtime

blp = Blueprint("devices", __name__, url_prefix="/v1/devices", description="Installations")
blp.before_request(authenticate_device)


@blp.post("")
@blp.arguments(DeviceIn)
@blp.response(201, RegisteredOut)
def register(body: dict[str, Any]) -> dict[str, Any]:
    """Register an installation; the token in the answer is shown only this once."""
    with runtime().uow() as uow:
        device, token = service.register(uow, **body)
    return {"device": device, "token": token}


@blp.get("/me")
@blp.response(200, DeviceOut)
@blp.doc(security=DEVICE_AUTH)
def me() -> service.DeviceInfo:
    return current_device()


@blp.patch("/me")
@blp.arguments(DeviceUpdate)
@blp.response(200, DeviceOut)
@blp.doc(security=DEVICE_AUTH)
def update(body: dict[str, Any]) -> service.DeviceInfo:
    device = current_device()
    with runtime().uow() as uow:
        return service.update(uow, device.id, body)


@blp.delete("/me")
@blp.response(204)
@blp.doc(security=DEVICE_AUTH)
def erase() -> None:
    """Erase the device: its token, lists and settings; its reports stay, unlinked."""
    device = current_device()
    with runtime().uow() as uow:
        service.erase(uow, device)
