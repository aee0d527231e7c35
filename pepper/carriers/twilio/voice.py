"""``POST /twilio/voice``: the incoming-call webhook, a direct route (pepper.http.direct).

Every answer is valid TwiML that, whatever fails inside, rings the subscriber when we
know who that is: a bug must never drop a real call.
"""

from __future__ import annotations

import logging

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from pepper.carriers.twilio import twiml
from pepper.carriers.twilio.recorder import CallRecorder
from pepper.carriers.twilio.records import CallRecord
from pepper.carriers.twilio.service import (
    SubscriberInfo,
    challenge_digit,
    challenge_key,
    subscriber_of,
    subscriber_who,
)
from pepper.carriers.twilio.views import (
    CHALLENGE_PATH,
    UnknownSubscriber,
    called_number,
    caller_id,
    fallback,
    refuse_unsigned,
    secret_of,
    xml,
)
from pepper.metrics import FAIL_OPEN
from pepper.numbers import InvalidNumber
from pepper.runtime import Runtime
from pepper.screening.service import CallRequest, Outcome, Screener
from pepper.screening.types import Action, Attestation
from pepper.tally import tally

log = logging.getLogger(__name__)
RULE = "/twilio/voice"


class VoiceRoute:
    def __init__(self, runtime: Runtime, screener: Screener, recorder: CallRecorder) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.screener = screener
        self.recorder = recorder
        self.challenge_key = challenge_key(secret_of(self.settings))

    def __call__(self, request: Request) -> Response:
        refused = refuse_unsigned(request, self.settings, "twilio.voice")
        if refused is not None:
            return refused
        form = request.form
        try:
            return self._screen_call(request, form)
        except Exception:  # fail open: an internal error still rings the subscriber
            log.exception("twilio voice webhook failed; ringing through")
            tally.inc(FAIL_OPEN, "twilio_voice", "error")
            return fallback(form, self.settings)

    def _screen_call(self, request: Request, form: MultiDict[str, str]) -> Response:
        region = self.settings.default_region
        to = called_number(form, self.settings)
        if to is None:
            return xml(twiml.reject(), "unknown_to")
        who = subscriber_who(to, region, UnknownSubscriber)
        call = CallRequest(number=form.get("From", "") or "unknown", verstat=_verstat(form))
        try:
            outcome = self.screener.decide_call(who, call, route="twilio_voice")
        except UnknownSubscriber:
            return xml(twiml.reject(), "unknown_to")
        except InvalidNumber:
            # A caller ID that is no number at all is treated as a withheld one.
            call = CallRequest(number="unknown", verstat=call.verstat)
            outcome = self.screener.decide_call(who, call, route="twilio_voice")
        subscriber = subscriber_of(who)
        if subscriber is None:  # degraded before we learned who is called: settings must do
            return fallback(form, self.settings)
        return self._answer(request, form, subscriber, outcome)

    def _answer(
        self,
        request: Request,
        form: MultiDict[str, str],
        subscriber: SubscriberInfo,
        outcome: Outcome,
    ) -> Response:
        decision = outcome.decision
        caller = caller_id(form, self.settings)
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
            digit = challenge_digit(self.challenge_key, form.get("CallSid", "")[:64])
            action_url = self._public_url(request, CHALLENGE_PATH)
            timeout = self.settings.challenge_timeout_s
            action, body = "challenge", twiml.challenge(digit, action_url, timeout)
        self._record(form, subscriber, caller, action, outcome, digit)
        return xml(body, action)

    def _public_url(self, request: Request, path: str) -> str:
        # The configured public base URL, else this request's root (ProxyFix-corrected).
        base = self.settings.public_base_url or request.root_url.rstrip("/")
        return base + path

    def _record(
        self,
        form: MultiDict[str, str],
        subscriber: SubscriberInfo,
        caller: str | None,
        action: str,
        outcome: Outcome,
        digit: str | None,
    ) -> None:
        """Store the call; a failure here is logged, never allowed to drop the call."""
        if outcome.degraded:
            return
        record = CallRecord(
            call_sid=form.get("CallSid", "")[:64],
            subscriber_id=subscriber.id,
            caller=caller,
            action=action,
            label=outcome.decision.label,
            decision_id=outcome.decision_id,
            digit=digit,
        )
        try:
            self.recorder.record(record)
        except Exception:
            log.exception("could not record a carrier call")
            tally.inc(FAIL_OPEN, "twilio_record", "error")


def _verstat(form: MultiDict[str, str]) -> str | None:
    return form.get("StirVerstat") or None


def _challengeable(outcome: Outcome) -> bool:
    """Callers with A attestation or a good reputation are never challenged."""
    call, signals = outcome.call, outcome.signals
    if call is not None and call.attestation is Attestation.A:
        return False
    return not (signals is not None and signals.score is not None and signals.score.trusted)
