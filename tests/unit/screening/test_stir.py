import pytest

from pepper.screening.stir import parse_attestation
from pepper.screening.types import Attestation


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # What phones send (Android's Connection.VERIFICATION_STATUS_*).
        ("passed", Attestation.PASSED),
        ("failed", Attestation.FAILED),
        ("not_verified", Attestation.NOT_VERIFIED),
        ("PASSED", Attestation.PASSED),
        ("  Failed \n", Attestation.FAILED),
        ("Not_Verified", Attestation.NOT_VERIFIED),
        # Twilio's StirVerstat.
        ("TN-Validation-Passed-A", Attestation.A),
        ("TN-Validation-Passed-B", Attestation.B),
        ("TN-Validation-Passed-C", Attestation.C),
        ("TN-Validation-Passed", Attestation.PASSED),
        ("TN-Validation-Failed-A", Attestation.FAILED),
        ("TN-Validation-Failed-B", Attestation.FAILED),
        ("TN-Validation-Failed-C", Attestation.FAILED),
        ("TN-Validation-Failed", Attestation.FAILED),
        ("No-TN-Validation", Attestation.NOT_VERIFIED),
        # ... with the -Diverted suffix of forwarded calls.
        ("TN-Validation-Passed-A-Diverted", Attestation.A),
        ("TN-Validation-Passed-B-Diverted", Attestation.B),
        ("TN-Validation-Passed-C-Diverted", Attestation.C),
        ("TN-Validation-Passed-Diverted", Attestation.PASSED),
        ("TN-Validation-Failed-B-Diverted", Attestation.FAILED),
        ("TN-Validation-Failed-Diverted", Attestation.FAILED),
        ("No-TN-Validation-Diverted", Attestation.NOT_VERIFIED),
        # Case and spacing as other carriers and proxies mangle them.
        ("tn-validation-passed-a", Attestation.A),
        (" TN-VALIDATION-FAILED-C ", Attestation.FAILED),
        ("TN_Validation_Passed_B", Attestation.B),
        # Nothing there.
        (None, Attestation.ABSENT),
        ("", Attestation.ABSENT),
        ("   ", Attestation.ABSENT),
    ],
)
def test_phone_statuses_and_carrier_verstat_strings_map_to_an_attestation(
    value: str | None, expected: Attestation
) -> None:
    assert parse_attestation(value) == expected


@pytest.mark.parametrize(
    "garbage",
    [
        "TN-Validation",
        "TN-Validation-Passedx",
        "TN-Validation-FailedB",
        "No-TN-Validationx",
        "Validation-Passed-A",
        "x-TN-Validation-Passed-A",
        "verified",
        "yes",
        "A+",
        "TN-Validation-Passed-A" * 10,
        "\x00\ufffd",
        "😀",
    ],
)
def test_anything_unrecognised_is_absent_rather_than_an_error(garbage: str) -> None:
    assert parse_attestation(garbage) == Attestation.ABSENT


def test_an_unknown_level_after_passed_still_counts_as_passed() -> None:
    assert parse_attestation("TN-Validation-Passed-D") == Attestation.PASSED


def test_a_non_string_from_a_sloppy_json_body_is_absent() -> None:
    assert parse_attestation(1) == Attestation.ABSENT  # type: ignore[arg-type]
