"""The screening policy, rung by rung: each test pits a rung against the ones below it."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pepper.numbers import NormalizedNumber, normalize
from pepper.screening.policy import android_combination_is_valid, android_flags, decide, label_for
from pepper.screening.types import (
    Action,
    AdminLabel,
    Attestation,
    CallFacts,
    Decision,
    DeviceFacts,
    Policy,
    Reason,
    Score,
    Sensitivity,
    Signals,
    Thresholds,
)

CALLER = normalize("+14155550123")
OWN = normalize("+12125550100")
NEIGHBOUR_OWN = normalize("+14155550100")  # same NPA-NXX (415-555) as CALLER
EMERGENCY = normalize("911")
SERVICE = normalize("311")
WITHHELD = normalize("anonymous")
IMPOSSIBLE = normalize("+1415555")
INVALID = normalize("+19995550123")  # ten digits, but there is no area code 999
UK = normalize("+442071838750")

# A p_spam of 0.7 is ALLOW at low, SILENCE at normal and BLOCK at high sensitivity.
POLICY = Policy(
    thresholds={
        Sensitivity.LOW: Thresholds(silence=0.8, block=0.95),
        Sensitivity.NORMAL: Thresholds(silence=0.6, block=0.9),
        Sensitivity.HIGH: Thresholds(silence=0.4, block=0.7),
    }
)

LOW_SCORE = Score(p_spam=0.05, model_version="m1")
HIGH_SCORE = Score(p_spam=0.99, model_version="m1", category="fraud")
ADMIN_BLOCK = AdminLabel(verdict=Action.BLOCK, category="telemarketer", pattern="+1415555*")
ADMIN_CLEAR = AdminLabel(verdict=Action.ALLOW, pattern="+14155550123")


def run(
    number: NormalizedNumber = CALLER,
    *,
    attestation: Attestation = Attestation.ABSENT,
    in_contacts: bool = False,
    own_number: NormalizedNumber | None = OWN,
    sensitivity: Sensitivity = Sensitivity.NORMAL,
    withheld_action: Action = Action.ALLOW,
    signals: Signals | None = None,
    policy: Policy = POLICY,
) -> Decision:
    return decide(
        CallFacts(number=number, attestation=attestation, in_contacts=in_contacts),
        DeviceFacts(
            own_number=own_number, sensitivity=sensitivity, withheld_action=withheld_action
        ),
        signals or Signals(),
        policy,
    )


def codes(decision: Decision) -> list[str]:
    return [reason.code for reason in decision.reasons]


# Rung 1: emergency and service numbers.


@pytest.mark.parametrize("number", [EMERGENCY, SERVICE], ids=["911", "311"])
def test_an_emergency_or_service_number_beats_a_personal_block(number: NormalizedNumber) -> None:
    decision = run(number, signals=Signals(personal_block="*"))
    assert decision.action is Action.ALLOW
    assert decision.rung == "emergency"
    assert codes(decision) == ["emergency_or_service"]
    assert decision.score == 0.0


def test_an_emergency_number_beats_every_other_signal_at_once() -> None:
    decision = run(
        EMERGENCY,
        attestation=Attestation.FAILED,
        sensitivity=Sensitivity.HIGH,
        signals=Signals(personal_block="*", admin_label=ADMIN_BLOCK, score=HIGH_SCORE),
        policy=Policy(POLICY.thresholds, failed_attestation_action=Action.BLOCK),
    )
    assert decision.action is Action.ALLOW
    assert decision.rung == "emergency"


# Rung 2: contacts and the personal allow list.


def test_a_contact_beats_a_personal_block_an_admin_block_and_a_high_score() -> None:
    signals = Signals(personal_block="*", admin_label=ADMIN_BLOCK, score=HIGH_SCORE)
    decision = run(in_contacts=True, signals=signals)
    assert decision.action is Action.ALLOW
    assert decision.rung == "contacts"
    assert codes(decision) == ["in_contacts"]


def test_personal_allow_beats_an_admin_block_and_a_099_score() -> None:
    signals = Signals(personal_allow="+1415*", admin_label=ADMIN_BLOCK, score=HIGH_SCORE)
    decision = run(signals=signals)
    assert decision.action is Action.ALLOW
    assert decision.rung == "personal_allow"
    assert decision.score == 0.0
    assert decision.label is None
    assert codes(decision) == ["personal_allow"]
    assert "+1415*" in decision.reasons[0].detail


# Rung 3: the personal block list.


def test_personal_block_beats_an_admin_clear_and_a_low_score() -> None:
    signals = Signals(personal_block="+14155550123", admin_label=ADMIN_CLEAR, score=LOW_SCORE)
    decision = run(signals=signals)
    assert decision.action is Action.BLOCK
    assert decision.rung == "personal_block"
    assert decision.score == 1.0
    assert codes(decision) == ["personal_block"]
    assert decision.label == "Spam Likely"


# Rung 4: operator labels.


def test_admin_clear_beats_failed_stir_and_a_high_score() -> None:
    decision = run(
        attestation=Attestation.FAILED,
        sensitivity=Sensitivity.HIGH,
        signals=Signals(admin_label=ADMIN_CLEAR, score=HIGH_SCORE),
    )
    assert decision.action is Action.ALLOW
    assert decision.rung == "admin"
    assert decision.score == 0.0
    assert codes(decision) == ["admin_cleared"]


def test_admin_block_beats_a_low_score_and_names_the_labels_category() -> None:
    decision = run(signals=Signals(admin_label=ADMIN_BLOCK, score=LOW_SCORE))
    assert decision.action is Action.BLOCK
    assert decision.rung == "admin"
    assert decision.score == 1.0
    assert decision.category == "telemarketer"
    assert decision.label == "Telemarketer"
    assert codes(decision) == ["admin_blocked"]


def test_an_admin_silence_label_is_a_floor_that_a_high_score_can_raise() -> None:
    label = AdminLabel(verdict=Action.SILENCE)
    assert run(signals=Signals(admin_label=label, score=LOW_SCORE)).action is Action.SILENCE
    raised = run(signals=Signals(admin_label=label, score=HIGH_SCORE))
    assert raised.action is Action.BLOCK
    assert codes(raised)[0] == "admin_silenced"


# Rule a: the device's own number.


def test_a_caller_showing_the_devices_own_number_is_blocked_even_with_a_low_score() -> None:
    decision = run(CALLER, own_number=CALLER, signals=Signals(score=LOW_SCORE))
    assert decision.action is Action.BLOCK
    assert decision.rung == "rules"
    assert decision.score == 1.0
    assert codes(decision) == ["own_number_spoofed"]


def test_a_device_without_a_known_number_has_no_own_number_rule() -> None:
    assert run(own_number=None).action is Action.ALLOW


# Rule b: impossible and invalid numbers.


def test_an_impossible_number_is_blocked() -> None:
    decision = run(IMPOSSIBLE, signals=Signals(score=LOW_SCORE))
    assert decision.action is Action.BLOCK
    assert decision.rung == "rules"
    assert codes(decision) == ["impossible_number"]


def test_an_impossible_number_follows_the_policys_action_when_it_is_silence() -> None:
    policy = Policy(POLICY.thresholds, impossible_number_action=Action.SILENCE)
    decision = run(IMPOSSIBLE, signals=Signals(score=LOW_SCORE), policy=policy)
    assert decision.action is Action.SILENCE
    assert codes(decision) == ["impossible_number", "spam_score"]


def test_an_invalid_but_possible_number_is_at_least_silenced() -> None:
    decision = run(INVALID, signals=Signals(score=LOW_SCORE))
    assert decision.action is Action.SILENCE
    assert decision.rung == "rules"
    assert codes(decision) == ["invalid_number", "spam_score"]


def test_an_invalid_number_with_a_high_score_is_blocked_by_the_score() -> None:
    decision = run(INVALID, signals=Signals(score=HIGH_SCORE))
    assert decision.action is Action.BLOCK
    assert decision.rung == "score"
    assert codes(decision)[0] == "invalid_number"


# Rule c: withheld callers.


@pytest.mark.parametrize("setting", list(Action))
def test_a_withheld_caller_gets_the_devices_withheld_setting(setting: Action) -> None:
    decision = run(WITHHELD, withheld_action=setting)
    assert decision.action is setting
    assert decision.rung == "rules"
    assert codes(decision) == ["withheld"]


@pytest.mark.parametrize("setting", list(Action))
def test_a_withheld_callers_decision_never_reads_a_score(setting: Action) -> None:
    without = run(WITHHELD, withheld_action=setting)
    for score in (LOW_SCORE, HIGH_SCORE, Score(p_spam=0.5, model_version="m1", trusted=True)):
        with_score = run(
            WITHHELD,
            withheld_action=setting,
            sensitivity=Sensitivity.HIGH,
            signals=Signals(score=score),
        )
        assert with_score == without
        assert with_score.model_version is None


# Rule d: STIR/SHAKEN.


def test_failed_stir_silences_a_low_score_caller() -> None:
    decision = run(attestation=Attestation.FAILED, signals=Signals(score=LOW_SCORE))
    assert decision.action is Action.SILENCE
    assert decision.rung == "rules"
    assert codes(decision) == ["stir_failed", "spam_score"]


def test_failed_stir_with_a_high_score_is_still_blocked_and_keeps_both_reasons() -> None:
    decision = run(attestation=Attestation.FAILED, signals=Signals(score=HIGH_SCORE))
    assert decision.action is Action.BLOCK
    assert decision.rung == "score"
    assert codes(decision) == ["stir_failed", "spam_score"]
    assert decision.label == "Scam Likely"


def test_failed_stir_blocks_at_once_when_the_policy_says_block() -> None:
    policy = Policy(POLICY.thresholds, failed_attestation_action=Action.BLOCK)
    decision = run(attestation=Attestation.FAILED, signals=Signals(score=LOW_SCORE), policy=policy)
    assert decision.action is Action.BLOCK
    assert decision.rung == "rules"
    assert codes(decision) == ["stir_failed"]


def test_failed_stir_without_a_score_silences() -> None:
    decision = run(attestation=Attestation.FAILED)
    assert decision.action is Action.SILENCE
    assert codes(decision) == ["stir_failed"]


def test_c_attestation_is_a_reason_but_no_floor() -> None:
    decision = run(attestation=Attestation.C, signals=Signals(score=LOW_SCORE))
    assert decision.action is Action.ALLOW
    assert codes(decision) == ["stir_c", "spam_score"]


@pytest.mark.parametrize(
    "attestation",
    [Attestation.NOT_VERIFIED, Attestation.A, Attestation.B, Attestation.PASSED],
)
def test_other_attestations_add_nothing(attestation: Attestation) -> None:
    assert codes(run(attestation=attestation)) == ["no_evidence"]


# Rule e: neighbour spoofing.


def test_a_caller_with_the_devices_area_code_and_exchange_is_silenced() -> None:
    decision = run(CALLER, own_number=NEIGHBOUR_OWN, signals=Signals(score=LOW_SCORE))
    assert decision.action is Action.SILENCE
    assert decision.rung == "rules"
    assert codes(decision) == ["neighbour_spoofing", "spam_score"]


def test_the_same_area_code_alone_is_not_neighbour_spoofing() -> None:
    assert run(CALLER, own_number=normalize("+14156660100")).action is Action.ALLOW


def test_numbers_outside_the_nanp_are_never_neighbour_spoofing() -> None:
    assert run(UK, own_number=normalize("+442071838000")).action is Action.ALLOW


# Rung 6: the score.


@pytest.mark.parametrize(
    ("sensitivity", "expected"),
    [
        (Sensitivity.LOW, Action.ALLOW),
        (Sensitivity.NORMAL, Action.SILENCE),
        (Sensitivity.HIGH, Action.BLOCK),
    ],
)
def test_the_same_score_is_judged_by_the_devices_sensitivity(
    sensitivity: Sensitivity, expected: Action
) -> None:
    score = Score(p_spam=0.7, model_version="m2", category="survey")
    decision = run(sensitivity=sensitivity, signals=Signals(score=score))
    assert decision.action is expected
    assert decision.rung == "score"
    assert decision.score == 0.7
    assert decision.model_version == "m2"


def test_a_score_exactly_at_a_threshold_reaches_it() -> None:
    at_block = Score(p_spam=0.9, model_version="m1")
    assert run(signals=Signals(score=at_block)).action is Action.BLOCK


def test_the_scores_own_reasons_are_kept() -> None:
    why = Reason("ftc_complaints", "12 complaints this week")
    score = Score(p_spam=0.95, model_version="m1", reasons=(why,))
    assert why in run(signals=Signals(score=score)).reasons


def test_a_silenced_call_is_labelled_with_the_scores_category() -> None:
    score = Score(p_spam=0.7, model_version="m1", category="debt_collector")
    decision = run(signals=Signals(score=score))
    assert decision.category == "debt_collector"
    assert decision.label == "Debt Collector"


def test_an_allowed_call_has_neither_label_nor_category() -> None:
    score = Score(p_spam=0.1, model_version="m1", category="political")
    decision = run(signals=Signals(score=score))
    assert decision.label is None
    assert decision.category is None


def test_a_trusted_callers_score_never_silences_or_blocks_by_itself() -> None:
    score = Score(p_spam=0.99, model_version="m1", trusted=True)
    decision = run(sensitivity=Sensitivity.HIGH, signals=Signals(score=score))
    assert decision.action is Action.ALLOW
    assert "trusted_caller" in codes(decision)


def test_a_trusted_caller_still_gets_the_floors_of_the_rules() -> None:
    score = Score(p_spam=0.99, model_version="m1", trusted=True)
    decision = run(attestation=Attestation.FAILED, signals=Signals(score=score))
    assert decision.action is Action.SILENCE
    assert decision.rung == "rules"


# Rung 7: nothing known.


def test_a_caller_nothing_is_known_about_is_allowed_with_no_evidence() -> None:
    decision = run()
    assert decision.action is Action.ALLOW
    assert decision.rung == "default"
    assert codes(decision) == ["no_evidence"]
    assert decision.score == 0.0
    assert decision.model_version is None


def test_no_evidence_is_not_claimed_when_a_score_was_read() -> None:
    assert "no_evidence" not in codes(run(signals=Signals(score=LOW_SCORE)))


# Labels.


@pytest.mark.parametrize(
    ("category", "label"),
    [
        ("fraud", "Scam Likely"),
        ("telemarketer", "Telemarketer"),
        ("debt_collector", "Debt Collector"),
        ("political", "Political"),
        ("survey", "Survey"),
        ("robocall", "Spam Likely"),
        (None, "Spam Likely"),
    ],
)
def test_a_category_names_the_label_of_a_silenced_or_blocked_call(
    category: str | None, label: str
) -> None:
    assert label_for(category, Action.SILENCE) == label
    assert label_for(category, Action.BLOCK) == label


def test_an_allowed_call_is_never_labelled() -> None:
    assert label_for("fraud", Action.ALLOW) is None


# Every decision, whatever goes in.

SAMPLE_NUMBERS = [
    normalize(raw)
    for raw in (
        "+14155550123",
        "+14155550199",
        "+12125550100",
        "anonymous",
        "+266696687",
        "911",
        "988",
        "311",
        "22222",
        "+1415555",
        "+19995550123",
        "+442071838750",
        "+44207",
    )
]

reasons = st.lists(
    st.builds(Reason, code=st.sampled_from(["ftc", "reports"]), detail=st.text(max_size=5)),
    max_size=2,
).map(tuple)
scores = st.builds(
    Score,
    p_spam=st.floats(min_value=0.0, max_value=1.0),
    model_version=st.just("m1"),
    category=st.sampled_from([None, "fraud", "survey", "other"]),
    reasons=reasons,
    trusted=st.booleans(),
)
admin_labels = st.builds(
    AdminLabel,
    verdict=st.sampled_from(Action),
    category=st.sampled_from([None, "fraud", "telemarketer"]),
    pattern=st.sampled_from(["", "+1415*"]),
)
signals_strategy = st.builds(
    Signals,
    personal_allow=st.none() | st.just("+1415*"),
    personal_block=st.none() | st.just("*"),
    admin_label=st.none() | admin_labels,
    score=st.none() | scores,
)
policies = st.builds(
    Policy,
    thresholds=st.just(POLICY.thresholds),
    failed_attestation_action=st.sampled_from(Action),
    impossible_number_action=st.sampled_from(Action),
)
RUNGS = {"emergency", "contacts", "personal_allow", "personal_block", "admin", "rules"}
RUNGS |= {"score", "default"}


@given(
    number=st.sampled_from(SAMPLE_NUMBERS),
    attestation=st.sampled_from(Attestation),
    in_contacts=st.booleans(),
    own_number=st.none() | st.sampled_from(SAMPLE_NUMBERS),
    sensitivity=st.sampled_from(Sensitivity),
    withheld_action=st.sampled_from(Action),
    signals=signals_strategy,
    policy=policies,
)
def test_every_decision_is_well_formed_and_never_stops_an_emergency_call(
    number: NormalizedNumber,
    attestation: Attestation,
    in_contacts: bool,
    own_number: NormalizedNumber | None,
    sensitivity: Sensitivity,
    withheld_action: Action,
    signals: Signals,
    policy: Policy,
) -> None:
    decision = run(
        number,
        attestation=attestation,
        in_contacts=in_contacts,
        own_number=own_number,
        sensitivity=sensitivity,
        withheld_action=withheld_action,
        signals=signals,
        policy=policy,
    )
    assert android_combination_is_valid(decision.android)
    assert decision.android == android_flags(decision.action)
    assert decision.reasons
    assert decision.rung in RUNGS
    assert 0.0 <= decision.score <= 1.0
    assert (decision.label is None) == (decision.action is Action.ALLOW)
    if number.never_block:
        assert decision.action is Action.ALLOW
