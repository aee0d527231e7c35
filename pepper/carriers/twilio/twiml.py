"""The TwiML answers, built with the twilio SDK. Every answer is valid TwiML.

Each is a pure function of a few strings, and building one with the SDK (an element
tree, serialized) costs more than the rest of a carrier call's answer but its signature
check: answers are remembered, within bounds.
"""

from __future__ import annotations

from functools import cache, lru_cache

from twilio.twiml.voice_response import Gather, VoiceResponse


@cache
def reject() -> str:
    # <Reject> as the first verb leaves the call unanswered and unbilled; <Hangup>
    # would answer (and bill) it first.
    response = VoiceResponse()
    response.reject(reason="rejected")
    return str(response)


@lru_cache(maxsize=4096)
def ring(ring_to: str, caller_id: str | None, timeout_s: int = 25) -> str:
    response = VoiceResponse()
    # Pass the caller's number through so the subscriber's phone shows who calls.
    dial = response.dial(caller_id=caller_id, timeout=timeout_s, answer_on_bridge=True)
    dial.number(ring_to)
    return str(response)


@lru_cache(maxsize=256)
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


@lru_cache(maxsize=64)
def hangup(message: str | None = None) -> str:
    response = VoiceResponse()
    if message:
        response.say(message)
    response.hangup()
    return str(response)


@cache
def empty() -> str:
    return str(VoiceResponse())
