"""Managing subscribers: which Twilio number rings where, screened how."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pepper.carriers.twilio.models import Subscriber
from pepper.carriers.twilio.service import MODES, SubscriberInfo
from pepper.db import UnitOfWork
from pepper.devices.models import Device
from pepper.errors import Conflict, NotFound, Unprocessable
from pepper.numbers import normalize


def _info(s: Subscriber) -> SubscriberInfo:
    return SubscriberInfo(s.id, s.twilio_number, s.ring_to, s.device_id, s.mode)


def _full_number(raw: str, region: str, what: str) -> str:
    number = normalize(raw, region)
    if number.e164 is None or number.impossible or number.never_block:
        raise Unprocessable(f"{what} must be a full, possible phone number")
    return number.e164


def add(
    uow: UnitOfWork, *, twilio_number: str, ring_to: str, mode: str, device_id: int | None,
    region: str,
) -> SubscriberInfo:  # fmt: skip
    if mode not in MODES:
        raise Unprocessable(f"mode must be one of {', '.join(MODES)}")
    if device_id is not None and uow.session.get(Device, device_id) is None:
        raise Unprocessable("no such device")
    subscriber = Subscriber(
        twilio_number=_full_number(twilio_number, region, "twilio_number"),
        ring_to=_full_number(ring_to, region, "ring_to"),
        mode=mode,
        device_id=device_id,
    )
    uow.session.add(subscriber)
    try:
        uow.session.flush()
    except IntegrityError:
        raise Conflict("that Twilio number already has a subscriber") from None
    info = _info(subscriber)
    uow.note_change("subscriber", info.twilio_number)
    uow.commit()
    return info


def all_subscribers(uow: UnitOfWork) -> list[SubscriberInfo]:
    return [_info(s) for s in uow.session.scalars(select(Subscriber).order_by(Subscriber.id))]


def remove(uow: UnitOfWork, subscriber_id: int) -> None:
    subscriber = uow.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise NotFound("no such subscriber")
    uow.session.delete(subscriber)
    uow.note_change("subscriber", subscriber.twilio_number)
    uow.commit()
