"""The vocabulary of a screening decision: plain, immutable data, no I/O.

Shared by the phone-app API (``/v1/screen``) and the carrier webhooks, which both ask
the one policy in ``pepper.screening.policy``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pepper.numbers import NormalizedNumber


class Action(StrEnum):
    ALLOW = "allow"
    SILENCE = "silence"
    BLOCK = "block"


class Sensitivity(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class Attestation(StrEnum):
    """STIR/SHAKEN as the phone or the carrier saw it."""

    A = "A"  # passed, full attestation
    B = "B"  # passed, partial
    C = "C"  # passed, gateway: not neutral (C-attested calls are more often robocalls)
    PASSED = "passed"  # passed, level unknown (what Android reports)
    FAILED = "failed"
    NOT_VERIFIED = "not_verified"
    ABSENT = "absent"  # no STIR/SHAKEN information at all


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Score:
    """What a scorer says about a caller: a probability of spam and why."""

    p_spam: float
    model_version: str
    category: str | None = None
    reasons: tuple[Reason, ...] = ()
    # True when the caller has good standing (e.g. "not spam" reports outweigh spam):
    # never challenged by the carrier flow.
    trusted: bool = False


@dataclass(frozen=True, slots=True)
class AdminLabel:
    verdict: Action  # ALLOW (cleared) or BLOCK
    category: str | None = None
    pattern: str = ""


@dataclass(frozen=True, slots=True)
class CallFacts:
    number: NormalizedNumber
    attestation: Attestation = Attestation.ABSENT
    in_contacts: bool = False
    call_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeviceFacts:
    own_number: NormalizedNumber | None = None
    sensitivity: Sensitivity = Sensitivity.NORMAL
    withheld_action: Action = Action.ALLOW


@dataclass(frozen=True, slots=True)
class Signals:
    """Everything looked up about one call before the policy runs."""

    personal_allow: str | None = None  # the matching pattern of the device's allow list
    personal_block: str | None = None
    admin_label: AdminLabel | None = None
    score: Score | None = None


@dataclass(frozen=True, slots=True)
class Thresholds:
    silence: float
    block: float


@dataclass(frozen=True, slots=True)
class Policy:
    """Tunable numbers of the policy; built from settings, never literals in code."""

    thresholds: dict[Sensitivity, Thresholds]
    failed_attestation_action: Action = Action.SILENCE
    impossible_number_action: Action = Action.BLOCK


@dataclass(frozen=True, slots=True)
class AndroidResponse:
    """``CallScreeningService.CallResponse`` flags, only in combinations Android accepts."""

    disallow: bool = False
    reject: bool = False
    silence: bool = False
    skip_call_log: bool = False
    skip_notification: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    score: float
    reasons: tuple[Reason, ...]
    android: AndroidResponse
    label: str | None = None
    category: str | None = None
    model_version: str | None = None
    # Which rung of the policy decided: for metrics and for tests of the order.
    rung: str = field(default="default")
