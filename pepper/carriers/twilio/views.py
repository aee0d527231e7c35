"""``/twilio/*``: the incoming-call, challenge, status and fallback webhooks.

Every request must carry a valid ``X-Twilio-Signature`` (403 and counted otherwise).
Every voice answer is valid TwiML that, whatever fails inside, rings the subscriber
when we know who that is: a bug must never drop a real call.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request, url_for
from werkzeug.datastructures import MultiDict

from pepper.carriers.twilio import twiml
from pepper.carriers.twilio.service import (
    SubscriberInfo,
    answer_challenge,
    challenge_digit,
    finish_call,
    record_call,
    subscriber_of,
    subscriber_who,
)
from pepper.carriers.twilio.signature import is_signed
from pepper.db.retry import once_more_if_dropped
from pepper.errors import NotFound
from pepper.http.problems import problem
from pepper.metrics import CARRIER_CALLS, FAIL_OPEN, WEBHOOK_SIGNATURE_FAILURES
from pepper.numbers import InvalidNumber, normalize
from pepper.runtime import runtime
from pepper.screening.service import CallRequest, Outcome
from pepper.screening.types import Action, Attestation
from pepper.screening.views import screener

log = logging.getLogger(__name__)
blp = Blueprint("twilio", __name__, url_prefix="/twilio")
XML = "text/xml"


class UnknownSubscriber(NotFound):
    code = "unknown_subscriber"


@blp.before_request
def _verify_signature() -> Response | None:
    settings = runtime().settings
    tokens = [
        t.get_secret_value()
        for t in (settings.twilio_auth_token, settings.twilio_auth_token_previous)
        if t is not None
    ]
    if is_signed(request, tokens, settings.public_base_url):
        return None
    WEBHOOK_SIGNATURE_FAILURES.labels(route=request.endpoint or "twilio").inc()
    return problem(403, "bad_signature", "Invalid or missing X-Twilio-Signature")


def _xml(body: str, outcome: str) -> Response:
    CARRIER_CALLS.labels(outcome=outcome).inc()
    return Response(body, mimetype=XML)


def _caller_id(form: MultiDict[str, str]) -> str | None:
    try:
        number = normalize(form.get("From", ""), runtime().settings.default_region)
    except InvalidNumber:
        return None
    return number.e164 if number.e164 and not number.withheld else None


def _fallback(form: MultiDict[str, str]) -> Response:
    """Ring through from settings alone: no database, Redis or model."""
    routes = runtime().settings.twilio_fallback_routes
    ring_to = routes.get(form.get("To", "").strip())
    if ring_to is None:
        return _xml(twiml.hangup("Sorry, this call cannot be connected now."), "fallback_hangup")
    return _xml(twiml.ring(ring_to, _caller_id(form)), "fallback_ring")


@blp.post("/voice")
def voice() -> Response:
    form = request.form
    try:
        return _screen_call(form)
    except Exception:  # fail open: an internal error still rings the subscriber
        log.exception("twilio voice webhook failed; ringing through")
        FAIL_OPEN.labels(route="twilio_voice", cause="error").inc()
        return _fallback(form)


@blp.post("/voice/fallback")
def voice_fallback() -> Response:
    """The number's Fallback URL: answers from settings alone."""
    return _fallback(request.form)


def _screen_call(form: MultiDict[str, str]) -> Response:
    settings = runtime().settings
    try:
        to = normalize(form.get("To", ""), settings.default_region).e164
    except InvalidNumber:
        to = None
    if to is None:
        return _xml(twiml.reject(), "unknown_to")
    who = subscriber_who(to, settings.default_region, UnknownSubscriber)
    caller = form.get("From", "") or "unknown"
    call = CallRequest(number=caller, verstat=_verstat(form))
    try:
        outcome = screener().decide_call(who, call, route="twilio_voice")
    except UnknownSubscriber:
        return _xml(twiml.reject(), "unknown_to")
    except InvalidNumber:
        # A caller ID that is no number at all is treated as a withheld one.
        call = CallRequest(number="unknown", verstat=call.verstat)
        outcome = screener().decide_call(who, call, route="twilio_voice")
    subscriber = subscriber_of(who)
    if subscriber is None:  # degraded before we learned who is called: settings must do
        return _fallback(form)
    return _answer(form, subscriber, outcome)


def _verstat(form: MultiDict[str, str]) -> str | None:
    return form.get("StirVerstat") or None


def _answer(form: MultiDict[str, str], subscriber: SubscriberInfo, outcome: Outcome) -> Response:
    decision = outcome.decision
    caller = _caller_id(form)
    action, body = "allow", twiml.ring(subscriber.ring_to, caller)
    digit = None
    if subscriber.mode == "label":
        action = "label" if decision.action is not Action.ALLOW else "allow"
    elif decision.action is Action.BLOCK:
        action, body = "block", twiml.reject()
    elif (
        decision.action is Action.SILENCE
        and subscriber.mode == "challenge"
        and _challengeable(outcome)
    ):
        digit = challenge_digit()
        action_url = _public_url("twilio.challenge")
        timeout = runtime().settings.challenge_timeout_s
        action, body = "challenge", twiml.challenge(digit, action_url, timeout)
    _record(form, subscriber, caller, action, outcome, digit)
    return _xml(body, action)


def _challengeable(outcome: Outcome) -> bool:
    """Callers with A attestation or a good reputation are never challenged."""
    call, signals = outcome.call, outcome.signals
    if call is not None and call.attestation is Attestation.A:
        return False
    return not (signals is not None and signals.score is not None and signals.score.trusted)


def _public_url(endpoint: str) -> str:
    base = runtime().settings.public_base_url
    path = url_for(endpoint)
    return base + path if base else url_for(endpoint, _external=True)


def _record(
    form: MultiDict[str, str],
    subscriber: SubscriberInfo,
    caller: str | None,
    action: str,
    outcome: Outcome,
    digit: str | None,
) -> None:
    """Store the call; a failure here is logged, never allowed to drop the call."""
    if outcome.degraded and digit is None:
        return

    def write() -> None:
        with runtime().decision_engine.begin() as connection:
            record_call(
                connection,
                call_sid=form.get("CallSid", "")[:64],
                subscriber=subscriber,
                caller=caller,
                action=action,
                label=outcome.decision.label,
                decision_id=outcome.decision_id,
                digit=digit,
            )

    try:
        # The decision's pool (no pre-ping round trip); a retry after a dropped connection
        # is safe: record_call recognizes a call that did reach the database by its
        # CallSid and counts it once.
        once_more_if_dropped(write)
    except Exception:
        log.exception("could not record a carrier call")
        FAIL_OPEN.labels(route="twilio_record", cause="error").inc()


@blp.post("/challenge")
def challenge() -> Response:
    form = request.form
    try:
        with runtime().engine.begin() as connection:
            passed, subscriber = answer_challenge(
                connection, call_sid=form.get("CallSid", ""), digits=form.get("Digits", "")
            )
    except Exception:
        log.exception("challenge could not be judged; ringing through")
        FAIL_OPEN.labels(route="twilio_challenge", cause="error").inc()
        return _fallback(form)
    if passed and subscriber is not None:
        return _xml(twiml.ring(subscriber.ring_to, _caller_id(form)), "challenge_passed")
    return _xml(twiml.hangup("Goodbye."), "challenge_failed")


@blp.post("/status")
def status() -> Response:
    form = request.form
    duration = form.get("CallDuration", "")
    with runtime().engine.begin() as connection:
        finish_call(
            connection,
            call_sid=form.get("CallSid", "")[:64],
            caller=_caller_id(form),
            status=form.get("CallStatus", "").strip().lower(),
            duration_s=int(duration) if duration.isdigit() else None,
            short_call_s=runtime().settings.short_call_s,
        )
    return Response(twiml.empty(), mimetype=XML)
