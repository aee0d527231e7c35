"""The one screening policy: a call's facts and looked-up signals in, a Decision out.

Pure and total: no I/O, no clock, no exception for any well-formed input (a Policy must
hold thresholds for every Sensitivity: a missing one is a KeyError, a configuration bug
that whoever builds the Policy should catch at start-up).

``decide`` walks a fixed order, and the first rung that decides wins:

1. ``emergency``: emergency and service numbers (911, 988, 311, ...) are always allowed.
   Nothing overrides this, not even the user's own block list: a blocked call-back from
   a dispatcher costs far more than any spam call.
2. ``contacts``, then ``personal_allow``: a caller in the contacts, or matching the
   device's allow list, is allowed. The user's own word beats every guess we make.
3. ``personal_block``: the device's block list blocks.
4. ``admin``: an operator's label; cleared callers are allowed, blocked ones blocked.
5. ``rules``, facts about the call itself, in this order:

   a. the caller shows the device's own number: BLOCK (nobody legitimately calls you
      from your own number: it is a spoof);
   b. an impossible number (wrong length for its country): the policy's
      ``impossible_number_action``; a possible but invalid (unassigned) number: SILENCE;
   c. a withheld caller: the device's ``withheld_action``, and the decision ends here.
      A withheld caller ID is not a number, so no score of it is read, and the user's
      explicit choice for withheld calls is not second-guessed by the rules below;
   d. STIR/SHAKEN failed: the policy's ``failed_attestation_action``; C attestation is
      noted as a reason (it is not neutral, but not damning either);
   e. neighbour spoofing: a +1 caller sharing the device's area code and exchange
      (NPA-NXX) but not its number: SILENCE.

   A rule whose action is BLOCK decides at once. A rule whose action is SILENCE sets a
   *floor*: scoring still runs and the stronger of floor and score wins
   (BLOCK > SILENCE > ALLOW), floor reasons first. A rule whose action is ALLOW only
   adds its reason.
6. ``score``: the reputation score against the device's sensitivity thresholds. A
   trusted caller's score never silences or blocks by itself (rule floors still apply).
7. ``default``: ALLOW, with the reason ``no_evidence`` when nothing else was found.

An operator label with the verdict SILENCE (not one the admin tools set today) acts as
a floor of rung 4, so that no label is ever silently ignored.

What a Decision reports besides its action: ``score`` is 1.0 for a personal, operator
or own-number block, 0.0 for an emergency, contact, allow-list or operator-cleared
allow (and for withheld callers), otherwise the score's p_spam (0.0 without a score);
``category`` is the operator label's when that label decided, otherwise the score's
when the call is silenced or blocked; ``model_version`` comes with anything taken from
the score. Android's ``CallResponse`` flags and the label shown follow from the action
(``android_flags``, ``label_for``), so every channel shows the same outcome.
"""

from __future__ import annotations

from itertools import chain
from typing import NamedTuple

from pepper.numbers import NormalizedNumber
from pepper.screening.types import (
    Action,
    AndroidResponse,
    Attestation,
    CallFacts,
    Decision,
    DeviceFacts,
    Policy,
    Reason,
    Score,
    Signals,
    Thresholds,
)

_STRENGTH: dict[Action, int] = {Action.ALLOW: 0, Action.SILENCE: 1, Action.BLOCK: 2}

_ANDROID: dict[Action, AndroidResponse] = {
    Action.ALLOW: AndroidResponse(),
    Action.SILENCE: AndroidResponse(silence=True),
    # skip_call_log stays False on purpose: a blocked call remains in the call log, so
    # that the user can see what was blocked and correct a wrong block. The notification
    # is skipped, as a "missed call" for every robocall is the nuisance we remove.
    Action.BLOCK: AndroidResponse(disallow=True, reject=True, skip_notification=True),
}

_LABELS: dict[str, str] = {
    "fraud": "Scam Likely",
    "telemarketer": "Telemarketer",
    "debt_collector": "Debt Collector",
    "political": "Political",
    "survey": "Survey",
}
_DEFAULT_LABEL = "Spam Likely"

_NANP_COUNTRY_CODE = 1
_NANP_NATIONAL_DIGITS = 10
_NPA_NXX_DIGITS = 6

_EMERGENCY = (Reason("emergency_or_service", "emergency and service numbers always ring"),)
_IN_CONTACTS = (Reason("in_contacts", "the caller is in the contacts"),)
_NO_EVIDENCE = (Reason("no_evidence", "nothing known against this caller"),)
# The rules' reasons are built once: decide() runs on every call and must stay cheap.
_OWN_NUMBER = Reason("own_number_spoofed", "the caller shows this device's own number")
_IMPOSSIBLE = Reason("impossible_number", "no number of its country has this length")
_INVALID = Reason("invalid_number", "the number is not assigned in its country")
_WITHHELD = {
    action: Reason("withheld", f"caller ID withheld; this device says {action}")
    for action in Action
}
_STIR_FAILED = Reason("stir_failed", "STIR/SHAKEN verification of the caller ID failed")
_STIR_C = Reason("stir_c", "gateway (C) attestation: the carrier cannot vouch for it")
_NEIGHBOUR = Reason("neighbour_spoofing", "same area code and exchange as this device")


class _Finding(NamedTuple):
    """What one rule found: the action it asks for and why."""

    action: Action
    reason: Reason
    rung: str = "rules"
    # The decision ends with this finding (withheld callers: nothing else applies).
    final: bool = False
    # Certainty to report instead of the score's p_spam, when the rule needs no score.
    p_spam: float | None = None


def decide(call: CallFacts, device: DeviceFacts, signals: Signals, policy: Policy) -> Decision:
    """Decide what to do with one call, following the order of the module docstring."""
    # A withheld caller ID is not a number: whatever score came along is not its own.
    score = None if call.number.withheld else signals.score
    early = (
        _emergency(call)
        or _personal_allow(call, signals)
        or _personal_block(signals, score)
        or _admin(signals, score)
    )
    if early is not None:
        return early
    return _rules_then_score(call, device, signals, policy, score)


def android_flags(action: Action) -> AndroidResponse:
    """The CallScreeningService.CallResponse flags that carry out an action on Android."""
    return _ANDROID[action]


def android_combination_is_valid(response: AndroidResponse) -> bool:
    """Whether Android accepts these flags (an invalid combination crashes the app)."""
    if response.disallow:
        return not response.silence
    return not (response.reject or response.skip_call_log or response.skip_notification)


def label_for(category: str | None, action: Action) -> str | None:
    """The caller-ID label shown for a call: none for allowed calls."""
    if action is Action.ALLOW:
        return None
    if category is None:
        return _DEFAULT_LABEL
    return _LABELS.get(category, _DEFAULT_LABEL)


# Rungs 1-4: the callers someone has already made up their mind about.


def _emergency(call: CallFacts) -> Decision | None:
    if not call.number.never_block:
        return None
    return _decision(Action.ALLOW, _EMERGENCY, "emergency", p_spam=0.0)


def _personal_allow(call: CallFacts, signals: Signals) -> Decision | None:
    if call.in_contacts:
        return _decision(Action.ALLOW, _IN_CONTACTS, "contacts", p_spam=0.0)
    if signals.personal_allow is None:
        return None
    reason = Reason("personal_allow", f"matches allow-list entry {signals.personal_allow!r}")
    return _decision(Action.ALLOW, (reason,), "personal_allow", p_spam=0.0)


def _personal_block(signals: Signals, score: Score | None) -> Decision | None:
    if signals.personal_block is None:
        return None
    reason = Reason("personal_block", f"matches block-list entry {signals.personal_block!r}")
    return _decision(Action.BLOCK, (reason,), "personal_block", score=score, p_spam=1.0)


def _admin(signals: Signals, score: Score | None) -> Decision | None:
    label = signals.admin_label
    if label is None or label.verdict is Action.SILENCE:
        return None  # a SILENCE label is a floor: see _admin_floor
    detail = f"operator label {label.pattern!r}" if label.pattern else "operator label"
    if label.verdict is Action.ALLOW:
        reason = Reason("admin_cleared", detail)
        return _decision(Action.ALLOW, (reason,), "admin", p_spam=0.0, category=label.category)
    reason = Reason("admin_blocked", detail)
    return _decision(
        Action.BLOCK, (reason,), "admin", score=score, p_spam=1.0, category=label.category
    )


def _admin_floor(signals: Signals) -> _Finding | None:
    label = signals.admin_label
    if label is None or label.verdict is not Action.SILENCE:
        return None
    detail = f"operator label {label.pattern!r}" if label.pattern else "operator label"
    return _Finding(Action.SILENCE, Reason("admin_silenced", detail), rung="admin")


# Rung 5: facts about the call itself. Each rule looks at one fact and returns a finding.

_OWN_NUMBER_FINDING = _Finding(Action.BLOCK, _OWN_NUMBER, p_spam=1.0)
_INVALID_FINDING = _Finding(Action.SILENCE, _INVALID)
_STIR_C_FINDING = _Finding(Action.ALLOW, _STIR_C)
_NEIGHBOUR_FINDING = _Finding(Action.SILENCE, _NEIGHBOUR)


def _own_number(call: CallFacts, device: DeviceFacts, policy: Policy) -> _Finding | None:
    own = device.own_number
    if own is None or own.e164 is None or call.number.e164 != own.e164:
        return None
    return _OWN_NUMBER_FINDING


def _impossible_or_invalid(call: CallFacts, device: DeviceFacts, policy: Policy) -> _Finding | None:
    number = call.number
    if number.impossible:
        return _Finding(policy.impossible_number_action, _IMPOSSIBLE)
    if number.e164 is not None and not number.is_valid:
        # Possible but unassigned: a spoofer's favourite, yet also what a newly opened
        # range looks like until libphonenumber's metadata catches up. Silence, not block.
        return _INVALID_FINDING
    return None


def _withheld(call: CallFacts, device: DeviceFacts, policy: Policy) -> _Finding | None:
    if not call.number.withheld:
        return None
    action = device.withheld_action
    return _Finding(action, _WITHHELD[action], final=True)


def _stir(call: CallFacts, device: DeviceFacts, policy: Policy) -> _Finding | None:
    if call.attestation is Attestation.FAILED:
        return _Finding(policy.failed_attestation_action, _STIR_FAILED)
    if call.attestation is Attestation.C:
        return _STIR_C_FINDING
    return None


def _neighbour(call: CallFacts, device: DeviceFacts, policy: Policy) -> _Finding | None:
    own = device.own_number
    if own is None or not (_nanp_line(own) and _nanp_line(call.number)):
        return None
    theirs, mine = call.number.national_number or "", own.national_number or ""
    if theirs == mine or theirs[:_NPA_NXX_DIGITS] != mine[:_NPA_NXX_DIGITS]:
        return None
    return _NEIGHBOUR_FINDING


def _nanp_line(number: NormalizedNumber) -> bool:
    national = number.national_number
    return (
        number.country_code == _NANP_COUNTRY_CODE
        and not number.short_code
        and national is not None
        and len(national) == _NANP_NATIONAL_DIGITS
    )


_RULES = (_own_number, _impossible_or_invalid, _withheld, _stir, _neighbour)


def _rules_then_score(
    call: CallFacts, device: DeviceFacts, signals: Signals, policy: Policy, score: Score | None
) -> Decision:
    admin_floor = _admin_floor(signals)
    findings = [] if admin_floor is None else [admin_floor]
    for rule in _RULES:
        finding = rule(call, device, policy)
        if finding is None:
            continue
        findings.append(finding)
        if finding.action is Action.BLOCK:
            return _from_findings(findings, finding.action, finding.rung, score, finding.p_spam)
        if finding.final:
            # Withheld: the user's setting for withheld calls, raised only by earlier floors.
            decisive = _strongest(findings)
            return _from_findings(findings, decisive.action, decisive.rung, None, 0.0)
    if score is None:
        return _without_score(findings)
    return _with_score(findings, score, policy.thresholds[device.sensitivity], device)


def _from_findings(
    findings: list[_Finding],
    action: Action,
    rung: str,
    score: Score | None,
    p_spam: float | None,
) -> Decision:
    reasons = tuple(finding.reason for finding in findings)
    return _decision(action, reasons, rung, score=score, p_spam=p_spam)


def _without_score(findings: list[_Finding]) -> Decision:
    if not findings:
        return _decision(Action.ALLOW, _NO_EVIDENCE, "default", p_spam=0.0)
    floor = _strongest(findings)
    # Findings that ask for nothing (a C attestation, say) explain but do not decide.
    rung = "default" if floor.action is Action.ALLOW else floor.rung
    return _from_findings(findings, floor.action, rung, None, 0.0)


# Rung 6: the reputation score, raised to the floors the rules set.


def _with_score(
    findings: list[_Finding], score: Score, thresholds: Thresholds, device: DeviceFacts
) -> Decision:
    scored, score_reasons = _score_verdict(score, thresholds, device)
    floor = _strongest(findings) if findings else None
    if floor is not None and _STRENGTH[floor.action] >= _STRENGTH[scored]:
        action, rung = floor.action, floor.rung
    else:
        action, rung = scored, "score"
    reasons = tuple(chain((finding.reason for finding in findings), score_reasons))
    return _decision(action, reasons, rung, score=score)


def _score_verdict(
    score: Score, thresholds: Thresholds, device: DeviceFacts
) -> tuple[Action, tuple[Reason, ...]]:
    """The score's own action (capped for trusted callers) and the reasons for it."""
    if score.p_spam >= thresholds.block:
        action = Action.BLOCK
    elif score.p_spam >= thresholds.silence:
        action = Action.SILENCE
    else:
        action = Action.ALLOW
    summary = Reason(
        "spam_score",
        f"p_spam {score.p_spam:.2f} against silence {thresholds.silence:.2f}"
        f" / block {thresholds.block:.2f} ({device.sensitivity} sensitivity)",
    )
    reasons = (summary, *score.reasons)
    if score.trusted and action is not Action.ALLOW:
        trusted = Reason("trusted_caller", f"good standing outweighs a {action} score")
        return Action.ALLOW, (*reasons, trusted)
    return action, reasons


def _strongest(findings: list[_Finding]) -> _Finding:
    """The first finding with the strongest action: it is the one that decided."""
    best = findings[0]
    for finding in findings[1:]:
        if _STRENGTH[finding.action] > _STRENGTH[best.action]:
            best = finding
    return best


def _decision(
    action: Action,
    reasons: tuple[Reason, ...],
    rung: str,
    *,
    score: Score | None = None,
    p_spam: float | None = None,
    category: str | None = None,
) -> Decision:
    """Assemble a Decision; `score` is the Score in hand, `p_spam` a certainty overriding it.

    The score's category names what a silenced or blocked caller is; its model version is
    reported whenever anything of the score (p_spam or category) went into the decision.
    """
    from_score = p_spam is None
    if category is None and score is not None and action is not Action.ALLOW:
        category = score.category
        from_score = from_score or category is not None
    if p_spam is None:
        p_spam = score.p_spam if score is not None else 0.0
    return Decision(
        action=action,
        score=p_spam,
        reasons=reasons,
        android=_ANDROID[action],
        label=label_for(category, action),
        category=category,
        model_version=score.model_version if score is not None and from_score else None,
        rung=rung,
    )
