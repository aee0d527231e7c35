"""``/v1/lists/{allow|block}``: a device's personal lists."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_smorest import Blueprint

from pepper.http.auth import DEVICE_AUTH, authenticate_device, current_device
from pepper.http.schemas import DEGRADED_HEADER, DEGRADED_HEADER_DOC, QUEUED_DOC, QueuedOut
from pepper.lists import service
from pepper.lists.patterns import parse_pattern
from pepper.lists.schemas import EntryIn, EntryOut, EntryPage, PageArgs
from pepper.lists.service import EntryInfo
from pepper.runtime import runtime
from pepper.standby import writes
from pepper.standby.http import answer_or_queue, read_or_recall
from pepper.standby.service import Standby

blp = Blueprint("lists", __name__, url_prefix="/v1/lists", description="Personal lists")
blp.before_request(authenticate_device)
KIND = "<any(allow, block):kind>"


@blp.get(f"/{KIND}")
@blp.arguments(PageArgs, location="query")
@blp.response(200, EntryPage, headers=DEGRADED_HEADER_DOC)
@blp.doc(security=DEVICE_AUTH)
def list_entries(args: dict[str, Any], kind: str) -> tuple[dict[str, Any], dict[str, str]]:
    """One page of the list, in id order (``after``: the previous page's next_cursor).

    While the database is unavailable (production, with Redis) the page comes from a copy
    of the list kept for that case, with ``Pepper-Degraded: true``; edits queued during the
    outage are not in it until they are applied. Without a copy: 503.
    """
    device = current_device()
    rt = runtime()

    def live() -> tuple[list[EntryInfo], int | None]:
        with rt.uow() as uow:
            found = service.page(
                uow, device_id=device.id, kind=kind, after=args["after"], limit=args["limit"]
            )
            if rt.standby is not None:  # what an outage would answer from
                rt.standby.lists.refresh(uow, device.id, (kind,))
        return found

    def recall(standby: Standby) -> tuple[list[EntryInfo], int | None] | None:
        copy = standby.lists.recall(device.id, kind)
        if copy is None:
            return None
        return service.page_of(copy, after=args["after"], limit=args["limit"])

    (items, cursor), degraded = read_or_recall("lists", live, recall)
    headers = {DEGRADED_HEADER: "true"} if degraded else {}
    return {"items": items, "next_cursor": cursor}, headers


@blp.post(f"/{KIND}")
@blp.arguments(EntryIn)
@blp.response(201, EntryOut)
@blp.alt_response(200, schema=EntryOut, description="the entry already existed")
@blp.alt_response(202, schema=QueuedOut, description=QUEUED_DOC)
@blp.doc(security=DEVICE_AUTH)
def add_entry(body: dict[str, Any], kind: str) -> Response:
    device = current_device()
    rt = runtime()
    parse_pattern(body["pattern"], device.default_region)  # 422 now, not on replay

    def add() -> Response:
        with rt.uow() as uow:
            entry, created = service.add(
                uow,
                device_id=device.id,
                kind=kind,
                raw_pattern=body["pattern"],
                label=body["label"],
                region=device.default_region,
                max_entries=rt.settings.list_max_entries,
            )
        if created:
            writes.rewrite_list_copies(rt, device.id)
        response = jsonify(EntryOut().dump(entry))
        response.status_code = 201 if created else 200
        return response

    return answer_or_queue(
        "lists",
        add,
        lambda: writes.list_add(device, kind=kind, pattern=body["pattern"], label=body["label"]),
    )


@blp.get(f"/{KIND}/<int:entry_id>")
@blp.response(200, EntryOut)
@blp.doc(security=DEVICE_AUTH)
def get_entry(kind: str, entry_id: int) -> service.EntryInfo:
    device = current_device()
    with runtime().uow() as uow:
        return service.get(uow, device_id=device.id, kind=kind, entry_id=entry_id)


@blp.delete(f"/{KIND}/<int:entry_id>")
@blp.response(204)
@blp.alt_response(202, schema=QueuedOut, description=QUEUED_DOC)
@blp.doc(security=DEVICE_AUTH)
def delete_entry(kind: str, entry_id: int) -> Response:
    device = current_device()

    def remove() -> Response:
        with runtime().uow() as uow:
            service.remove(uow, device_id=device.id, kind=kind, entry_id=entry_id)
        writes.rewrite_list_copies(runtime(), device.id)
        return Response(status=204)

    return answer_or_queue(
        "lists", remove, lambda: writes.list_remove(device, kind=kind, entry_id=entry_id)
    )
