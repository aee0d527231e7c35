"""The TwiML answers, built with the twilio SDK. Every answer is valid TwiML."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse


def reject() -> str:
    # <Reject> as the first verb leaves the call unanswered and unbilled; <Hangup>
    # would answer (and bill) it first.
    response = VoiceResponse()
    response.reject(reason="rejected")
    return str(response)


def ring(ring_to: str, caller_id: str | None, timeout_s: int = 25) -> str:
    response = VoiceResponse()
    # Pass the caller's number through so the subscriber's phone shows who calls.
    dial = response.dial(caller_id=caller_id, timeout=timeout_s, answer_on_bridge=True)
    dial.number(ring_to)
    return str(response)


def challenge(digit: str, action_url: str, timeout_s: int) -> str:
    response = VoiceResponse()
    gather = Gather(
        num_digits=1,
        timeout=timeout_s,
        action=action_url,
        method="POST",
        action_on_empty_result=True,
    )
    gather.say(f"To be connected, please press {digit}.")
    response.append(gather)
    return str(response)


def hangup(message: str | None = None) -> str:
    response = VoiceResponse()
    if message:
        response.say(message)
    response.hangup()
    return str(response)


def empty() -> str:
    return str(VoiceResponse())
