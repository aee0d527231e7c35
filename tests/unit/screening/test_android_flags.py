import pytest

from pepper.screening.policy import android_combination_is_valid, android_flags
from pepper.screening.types import Action, AndroidResponse


@pytest.mark.parametrize("action", list(Action))
def test_every_action_produces_a_combination_android_accepts(action: Action) -> None:
    assert android_combination_is_valid(android_flags(action))


def test_allow_sets_no_flag() -> None:
    assert android_flags(Action.ALLOW) == AndroidResponse()


def test_silence_only_silences_the_ringer() -> None:
    assert android_flags(Action.SILENCE) == AndroidResponse(silence=True)


def test_block_rejects_without_a_notification() -> None:
    flags = android_flags(Action.BLOCK)
    assert flags.disallow
    assert flags.reject
    assert flags.skip_notification
    assert not flags.silence


def test_a_blocked_call_stays_in_the_call_log_for_the_user_to_review() -> None:
    assert not android_flags(Action.BLOCK).skip_call_log


@pytest.mark.parametrize(
    "response",
    [
        AndroidResponse(reject=True),
        AndroidResponse(disallow=True, silence=True),
        AndroidResponse(disallow=True, reject=True, silence=True),
        AndroidResponse(skip_call_log=True),
        AndroidResponse(skip_notification=True),
        AndroidResponse(silence=True, skip_notification=True),
    ],
    ids=[
        "reject_without_disallow",
        "silence_with_disallow",
        "silence_with_reject",
        "skip_call_log_without_disallow",
        "skip_notification_without_disallow",
        "skip_notification_while_silencing",
    ],
)
def test_the_validator_rejects_what_android_rejects(response: AndroidResponse) -> None:
    assert not android_combination_is_valid(response)


@pytest.mark.parametrize(
    "response",
    [
        AndroidResponse(),
        AndroidResponse(silence=True),
        AndroidResponse(disallow=True),
        AndroidResponse(disallow=True, reject=True),
        AndroidResponse(disallow=True, skip_call_log=True, skip_notification=True),
        AndroidResponse(disallow=True, reject=True, skip_call_log=True, skip_notification=True),
    ],
)
def test_the_validator_accepts_what_android_accepts(response: AndroidResponse) -> None:
    assert android_combination_is_valid(response)
