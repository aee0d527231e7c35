"""``/v1/devices``: register an installation, read and change its settings, erase it."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_smorest import Blueprint

from pepper.auth.tokens import hash_token
from pepper.devices import service
from pepper.devices.schemas import DeviceIn, DeviceOut, DeviceUpdate, RegisteredOut
from pepper.http.auth import DEVICE_AUTH, authenticate_device, bearer_token, current_device
from pepper.http.schemas import QUEUED_DOC, QueuedOut
from pepper.runtime import runtime
from pepper.standby import writes
from pepper.standby.http import answer_or_queue

blp = Blueprint("devices", __name__, url_prefix="/v1/devices", description="Installations")
blp.before_request(authenticate_device)


@blp.post("")
@blp.arguments(DeviceIn)
@blp.response(201, RegisteredOut)
def register(body: dict[str, Any]) -> dict[str, Any]:
    """Register an installation; the token in the answer is shown only this once."""
    rt = runtime()
    with rt.uow() as uow:
        device, token = service.register(uow, **body)
    if rt.standby is not None:
        # A phone may report right after registering, while no database slot is free.
        rt.standby.devices.remember(hash_token(token), device)
        rt.standby.lists.start_empty(device.id)
    return {"device": device, "token": token}


@blp.get("/me")
@blp.response(200, DeviceOut)
@blp.doc(security=DEVICE_AUTH)
def me() -> service.DeviceInfo:
    return current_device()


@blp.patch("/me")
@blp.arguments(DeviceUpdate)
@blp.response(200, DeviceOut)
@blp.alt_response(202, schema=QueuedOut, description=QUEUED_DOC)
@blp.doc(security=DEVICE_AUTH)
def update(body: dict[str, Any]) -> Response:
    device = current_device()
    if "own_number" in body:
        service.own_number_of(body["own_number"], device.default_region)  # 422 now

    def change() -> Response:
        with runtime().uow() as uow:
            updated = service.update(uow, device.id, dict(body))
        standby = runtime().standby
        if standby is not None:
            # What an outage would authenticate with: the settings as they are now.
            standby.devices.remember(hash_token(bearer_token()), updated, force=True)
        return jsonify(DeviceOut().dump(updated))

    return answer_or_queue("devices", change, lambda: writes.device_update(device, body))


@blp.delete("/me")
@blp.response(204)
@blp.doc(security=DEVICE_AUTH)
def erase() -> None:
    """Erase the device: its token, lists and settings; its reports stay, unlinked."""
    device = current_device()
    with runtime().uow() as uow:
        service.erase(uow, device)
    standby = runtime().standby
    if standby is not None:
        # Forgotten by the standby too: during an outage the erased token is unknown,
        # and its lists are not shown from a copy.
        standby.devices.forget(hash_token(bearer_token()))
        standby.lists.forget(device.id)
