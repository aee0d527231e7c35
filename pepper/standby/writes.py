"""The writes that may wait for the database: how each is queued and how it is applied.

Each is applied on replay through the same service the live route calls, so the same
rules hold (one report per device and number, list entries by pattern, one end per
call) and a write that reached the database before its answer was lost is not applied
twice. What a replay can tell:

- ``Applied``: stored (or found already stored).
- ``Moot``: it can never apply — its device was erased meanwhile, the entry or report
  is gone, the list is full. The phone was told "accepted" and nothing more; dropped
  and counted, never retried forever.
- anything else raised: an outage (tried again later) or a bug (set aside for an
  operator, replay.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pepper.carriers.twilio.service import finish_call
from pepper.devices import service as devices
from pepper.devices.service import DeviceInfo
from pepper.errors import Conflict, NotFound, TooMany, Unprocessable
from pepper.lists import service as lists
from pepper.numbers import normalize
from pepper.reports import service as reports
from pepper.reports.schemas import ReportOut
from pepper.reports.submission import submit_once
from pepper.reputation import params_for
from pepper.runtime import Runtime
from pepper.standby.outbox import Entry


class Moot(Exception):
    """The write can never apply; drop it."""


class NotYet(Exception):
    """The write cannot apply now but may later (a claim still held): try again."""


def report(device: DeviceInfo, *, key: str | None, digest: str, body: dict[str, Any]) -> Entry:
    call_time = body.get("call_time")
    data = {
        "key": key, "digest": digest, "number": body["number"], "verdict": body["verdict"],
        "category": body.get("category"),
        "call_time": call_time.isoformat() if isinstance(call_time, datetime) else None,
    }  # fmt: skip
    return Entry("report", data, device_id=device.id, client_id=device.client_id)


def report_withdrawal(device: DeviceInfo, report_id: int) -> Entry:
    return Entry("report_withdrawal", {"report_id": report_id}, device_id=device.id)


def list_add(device: DeviceInfo, *, kind: str, pattern: str, label: str | None) -> Entry:
    data = {"kind": kind, "pattern": pattern, "label": label}
    return Entry("list_add", data, device_id=device.id)


def list_remove(device: DeviceInfo, *, kind: str, entry_id: int) -> Entry:
    return Entry("list_remove", {"kind": kind, "entry_id": entry_id}, device_id=device.id)


def device_update(device: DeviceInfo, changes: dict[str, Any]) -> Entry:
    return Entry("device_update", dict(changes), device_id=device.id)


def call_end(*, call_sid: str, caller: str | None, status: str, duration_s: int | None) -> Entry:
    data = {"call_sid": call_sid, "caller": caller, "status": status, "duration_s": duration_s}
    return Entry("call_end", data)


def apply(rt: Runtime, entry: Entry) -> None:
    """Apply one queued write; raises Moot, NotYet, or whatever the database raised."""
    handler = _HANDLERS.get(entry.kind)
    if handler is None:
        raise ValueError(f"unknown queued write {entry.kind!r}")
    handler(rt, entry)


def _device(rt: Runtime, entry: Entry) -> DeviceInfo:
    assert entry.device_id is not None
    with rt.uow() as uow:
        found = devices.device_by_id(uow, entry.device_id)
    if found is None:
        raise Moot("the device was erased")
    return found


def _report(rt: Runtime, entry: Entry) -> None:
    device, data, settings = _device(rt, entry), entry.data, rt.settings
    call_time = datetime.fromisoformat(data["call_time"]) if data.get("call_time") else None
    try:
        submit_once(
            rt.uow, device=device, key=data["key"], digest=data["digest"],
            retention_days=settings.idempotency_retention_days, render=ReportOut().dump,
            number=normalize(data["number"], device.default_region), verdict=data["verdict"],
            category=data["category"], call_time=call_time,
            params=params_for(settings.reputation_half_life_days),
        )  # fmt: skip
    except Conflict as error:  # its key is still claimed by a request the outage cut
        raise NotYet(str(error)) from None
    except Unprocessable as error:  # the key was reused live for another request
        raise Moot(str(error)) from None


def _report_withdrawal(rt: Runtime, entry: Entry) -> None:
    device = _device(rt, entry)
    params = params_for(rt.settings.reputation_half_life_days)
    try:
        with rt.uow() as uow:
            reports.withdraw(
                uow, device_id=device.id, report_id=entry.data["report_id"], params=params
            )
    except NotFound as error:
        raise Moot(str(error)) from None


def _list_add(rt: Runtime, entry: Entry) -> None:
    device, data = _device(rt, entry), entry.data
    try:
        with rt.uow() as uow:
            lists.add(
                uow, device_id=device.id, kind=data["kind"], raw_pattern=data["pattern"],
                label=data["label"], region=device.default_region,
                max_entries=rt.settings.list_max_entries,
            )  # fmt: skip
    except TooMany as error:
        raise Moot(str(error)) from None
    rewrite_list_copies(rt, device.id)


def _list_remove(rt: Runtime, entry: Entry) -> None:
    device, data = _device(rt, entry), entry.data
    try:
        with rt.uow() as uow:
            lists.remove(uow, device_id=device.id, kind=data["kind"], entry_id=data["entry_id"])
    except NotFound as error:
        raise Moot(str(error)) from None
    rewrite_list_copies(rt, device.id)


def rewrite_list_copies(rt: Runtime, device_id: int) -> None:
    """After a list edit, live or replayed: the Redis copies (pepper/standby/lists.py)."""
    if rt.standby is not None:
        rt.standby.lists.rewrite(rt.uow, device_id)


def _device_update(rt: Runtime, entry: Entry) -> None:
    device = _device(rt, entry)
    with rt.uow() as uow:
        devices.update(uow, device.id, dict(entry.data))


def _call_end(rt: Runtime, entry: Entry) -> None:
    data = entry.data
    with rt.engine.begin() as connection:
        finish_call(
            connection, call_sid=data["call_sid"], caller=data["caller"], status=data["status"],
            duration_s=data["duration_s"], short_call_s=rt.settings.short_call_s,
        )  # fmt: skip


_HANDLERS: dict[str, Callable[[Runtime, Entry], None]] = {
    "report": _report,
    "report_withdrawal": _report_withdrawal,
    "list_add": _list_add,
    "list_remove": _list_remove,
    "device_update": _device_update,
    "call_end": _call_end,
}
