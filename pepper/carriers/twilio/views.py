"""``/twilio/*``: the challenge, status and fallback webhooks, and what the incoming-call
webhook (a direct route, voice.py) shares with them.

Every request must carry a valid ``X-Twilio-Signature`` (403 and counted otherwise).
Every voice answer is valid TwiML that, whatever fails inside, rings the subscriber
when we know who that is: a bug must never drop a real call.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as PlainResponse

from pepper.carriers.twilio import twiml
from pepper.carriers.twilio.service import (
    answer_challenge,
    challenge_digit,
    challenge_key,
    finish_call,
)
from pepper.carriers.twilio.signature import is_signed
from pepper.errors import NotFound
from pepper.http.direct import problem_response
from pepper.http.problems import Problem
from pepper.metrics import CARRIER_CALLS, FAIL_OPEN, WEBHOOK_SIGNATURE_FAILURES
from pepper.numbers import InvalidNumber, normalize
from pepper.runtime import runtime
from pepper.settings import Settings
from pepper.standby import writes
from pepper.standby.http import answer_or_queue
from pepper.standby.outbox import Entry
from pepper.tally import tally

log = logging.getLogger(__name__)
PREFIX = "/twilio"
blp = Blueprint("twilio", __name__, url_prefix=PREFIX)
XML = "text/xml"


class UnknownSubscriber(NotFound):
    code = "unknown_subscriber"


# Where a <Gather> posts its digit (the voice route builds the URL, the blueprint serves it).
CHALLENGE_PATH = f"{PREFIX}/challenge"


def signing_tokens(settings: Settings) -> list[str]:
    """The current token and, during a rotation, the previous one."""
    tokens = (settings.twilio_auth_token, settings.twilio_auth_token_previous)
    return [t.get_secret_value() for t in tokens if t is not None]


def refuse_unsigned(request: Request, settings: Settings, route: str) -> PlainResponse | None:
    """None for a request Twilio signed, else the 403 to answer (counted)."""
    if is_signed(request, signing_tokens(settings), settings.public_base_url):
        return None
    WEBHOOK_SIGNATURE_FAILURES.labels(route=route).inc()
    found = Problem(403, "bad_signature", "Invalid or missing X-Twilio-Signature")
    return problem_response(found)


@blp.before_request
def _verify_signature() -> PlainResponse | None:
    return refuse_unsigned(request, runtime().settings, request.endpoint or "twilio")


def xml(body: str, outcome: str) -> Response:
    tally.inc(CARRIER_CALLS, outcome)
    return Response(body, mimetype=XML)


def caller_id(form: MultiDict[str, str], settings: Settings) -> str | None:
    try:
        number = normalize(form.get("From", ""), settings.default_region)
    except InvalidNumber:
        return None
    return number.e164 if number.e164 and not number.withheld else None


def secret_of(settings: Settings) -> bytes:
    return settings.secret_key.get_secret_value().encode()


def called_number(form: MultiDict[str, str], settings: Settings) -> str | None:
    """The subscriber's Twilio number the call came in on (``To``), or None."""
    try:
        return normalize(form.get("To", ""), settings.default_region).e164
    except InvalidNumber:
        return None


def fallback(form: MultiDict[str, str], settings: Settings) -> Response:
    """Ring through from settings alone: no database, Redis or model."""
    ring_to = settings.twilio_fallback_routes.get(form.get("To", "").strip())
    if ring_to is None:
        return xml(twiml.hangup("Sorry, this call cannot be connected now."), "fallback_hangup")
    return xml(twiml.ring(ring_to, caller_id(form, settings)), "fallback_ring")


@blp.post("/voice/fallback")
def voice_fallback() -> Response:
    """The number's Fallback URL: answers from settings alone."""
    return fallback(request.form, runtime().settings)


@blp.post(CHALLENGE_PATH.removeprefix(PREFIX))
def challenge() -> Response:
    form = request.form
    rt = runtime()
    settings = rt.settings
    call_sid = form.get("CallSid", "")[:64]
    try:
        expected = challenge_digit(challenge_key(secret_of(settings)), call_sid)
        with rt.engine.begin() as connection:
            passed, subscriber = answer_challenge(
                connection, call_sid=call_sid, caller=caller_id(form, settings),
                twilio_number=called_number(form, settings), digits=form.get("Digits", ""),
                expected=expected,
            )  # fmt: skip
    except Exception:
        log.exception("challenge could not be judged; ringing through")
        FAIL_OPEN.labels(route="twilio_challenge", cause="error").inc()
        return fallback(form, settings)
    if passed and subscriber is not None:
        ring = twiml.ring(subscriber.ring_to, caller_id(form, settings))
        return xml(ring, "challenge_passed")
    return xml(twiml.hangup("Goodbye."), "challenge_failed")


@blp.post("/status")
def status() -> Response:
    """A call's final status, stored once per CallSid; queued while the database is away
    (with Redis), so Twilio gets its 200 and the end is counted when it is back."""
    form = request.form
    rt = runtime()
    duration = form.get("CallDuration", "")
    call_sid = form.get("CallSid", "")[:64]
    caller = caller_id(form, rt.settings)
    call_status = form.get("CallStatus", "").strip().lower()
    duration_s = int(duration) if duration.isdigit() else None

    def store() -> Response:
        with rt.engine.begin() as connection:
            finish_call(
                connection, call_sid=call_sid, caller=caller, status=call_status,
                duration_s=duration_s, short_call_s=rt.settings.short_call_s,
            )  # fmt: skip
        return Response(twiml.empty(), mimetype=XML)

    def queued() -> Entry:
        return writes.call_end(
            call_sid=call_sid, caller=caller, status=call_status, duration_s=duration_s
        )

    answer = answer_or_queue("twilio_status", store, queued)
    if answer.status_code == 202:  # Twilio wants a 2xx and TwiML, not a ticket
        return Response(twiml.empty(), mimetype=XML)
    return answer
