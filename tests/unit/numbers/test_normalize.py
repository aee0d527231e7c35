"""normalize(): caller-ID strings as carriers and phones send them."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import phonenumbers
import pytest

from pepper.numbers import (
    REJECT_REASONS,
    InvalidNumber,
    NormalizedNumber,
    NumberType,
    classify_for_import,
    normalize,
)

REPO = Path(__file__).resolve().parents[3]

SF = "+14155550123"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+1 (415) 555-0123", SF),
        ("4155550123", SF),
        ("14155550123", SF),
        ("1-415-555-0123", SF),
        ("(415) 555-0123", SF),
        ("415.555.0123", SF),
        ("+1.415.555.0123", SF),
        ("001 415 555 0123", SF),
        ("011 1 415 555 0123", SF),
        ("tel:+1-415-555-0123", SF),
        ("TEL:+1-415-555-0123", SF),
        ("tel:+1-415-555-0123;ext=123", SF),
        ("tel:415-555-0123;phone-context=+1", SF),
        ("tel:4155550123;phone-context=example.com", SF),
        ("sip:+14155550123@sip.example.com", SF),
        ("sip:+14155550123@sip.example.com;user=phone", SF),
        ("sips:+14155550123;npdi@sip.example.com", SF),
        ('"Jane Doe" <sip:+14155550123@sip.example.com>', SF),
        ("sip:%2B14155550123@sip.example.com", SF),
        ("  +14155550123\t\n", SF),
        ("\u00a0+1\u00a0415\u00a0555\u00a00123\u00a0", SF),
        ("+1\u2009415\u202f555\u20070123", SF),
        ("\u200e+1 415 555 0123\u200f", SF),
        ("\ufeff4155550123", SF),
        (
            "\uff0b\uff11\uff08\uff14\uff11\uff15\uff09\uff15\uff15\uff15\uff0d\uff10\uff11\uff12\uff13",
            SF,
        ),
        ("+1 415\u2013555\u20140123", SF),
        ("+1 415 555 0123 ext. 55", SF),
        ("4155550123x55", SF),
        ("\u0664\u0661\u0665\u0665\u0665\u0665\u0660\u0661\u0662\u0663", SF),
        ("1-800-FLOWERS", "+18003569377"),
        ("1 (800) flowers", "+18003569377"),
        ("+1 800 356 9377", "+18003569377"),
        ("00 44 20 7946 0958", "+442079460958"),
        ("011 44 20 7946 0958", "+442079460958"),
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("tel:20-7946-0958;phone-context=+44", "+442079460958"),
        ("+39 06 6988 0000", "+390669880000"),
    ],
)
def test_caller_id_formats_normalize_to_one_e164(raw: str, e164: str) -> None:
    number = normalize(raw)

    assert number.e164 == e164
    assert number.is_possible
    assert not number.withheld


def test_a_plain_us_number_is_fully_described() -> None:
    assert normalize("4155550123") == NormalizedNumber(
        e164=SF,
        country_code=1,
        region="US",
        national_number="4155550123",
        number_type=NumberType.FIXED_LINE_OR_MOBILE,
        is_valid=True,
        is_possible=True,
        withheld=False,
        emergency=False,
        service=False,
        toll_free=False,
        premium=False,
        short_code=False,
    )


@pytest.mark.parametrize(
    ("raw", "region", "number_type"),
    [
        ("+1 613 555 0123", "CA", NumberType.FIXED_LINE_OR_MOBILE),
        ("+1 876 927 1234", "JM", NumberType.FIXED_LINE),
        ("+44 20 7946 0958", "GB", NumberType.FIXED_LINE),
        ("+44 7400 123456", "GB", NumberType.MOBILE),
        ("+44 7911 123456", "GG", NumberType.MOBILE),
        ("+800 1234 5678", None, NumberType.TOLL_FREE),
    ],
)
def test_the_region_and_type_come_from_the_number_not_the_default_region(
    raw: str, region: str | None, number_type: NumberType
) -> None:
    number = normalize(raw)

    assert (number.region, number.number_type, number.is_valid) == (region, number_type, True)


def test_a_national_number_is_read_in_the_default_region() -> None:
    assert normalize("020 7946 0958", default_region="GB").e164 == "+442079460958"
    assert normalize("020 7946 0958", default_region="gb").e164 == "+442079460958"


def test_a_long_number_without_plus_is_read_as_international_only_when_valid() -> None:
    assert normalize("442079460958").e164 == "+442079460958"
    assert normalize("525556979284").region == "MX"
    garbled = normalize("99999999999")
    assert (garbled.country_code, garbled.is_possible) == (1, False)


def test_an_unsupported_default_region_is_a_configuration_error_not_a_bad_number() -> None:
    with pytest.raises(ValueError, match="default region") as raised:
        normalize("4155550123", default_region="XX")

    assert not isinstance(raised.value, InvalidNumber)


@pytest.mark.parametrize(
    "raw",
    [
        "anonymous",
        "Anonymous",
        "ANONYMOUS",
        "restricted",
        "RESTRICTED",
        "Unknown",
        "private",
        "Private Number",
        "unavailable",
        "blocked",
        "Withheld",
        "No Caller ID",
        "  anonymous  ",
        "P",
        "O",
        "sip:anonymous@anonymous.invalid",
        '"Anonymous" <sip:anonymous@anonymous.invalid>',
        "+266696687",
        "266696687",
        "+7378742833",
        "7378742833",
        "+2562533",
        "2562533",
        "+8656696",
        "8656696",
        "tel:+266696687",
        "+266 696 687",
    ],
)
def test_withheld_caller_ids_are_withheld_not_errors(raw: str) -> None:
    number = normalize(raw)

    assert number.withheld
    assert number.number_type is NumberType.WITHHELD
    assert (number.e164, number.country_code, number.national_number) == (None, None, None)
    assert not number.impossible
    assert not number.never_block


@pytest.mark.parametrize(
    ("raw", "emergency", "service"),
    [
        ("911", True, False),
        ("112", True, False),
        ("999", True, False),
        ("988", True, False),
        ("211", False, True),
        ("311", False, True),
        ("411", False, True),
        ("511", False, True),
        ("611", False, True),
        ("711", False, True),
        ("811", False, True),
        ("933", False, True),
    ],
)
def test_emergency_and_service_numbers_are_never_blocked(
    raw: str, emergency: bool, service: bool
) -> None:
    number = normalize(raw)

    assert (number.emergency, number.service) == (emergency, service)
    assert number.never_block
    assert number.short_code
    assert number.number_type is NumberType.SHORT_CODE
    assert (number.e164, number.national_number, number.region) == (None, raw, "US")
    assert not number.impossible


def test_emergency_numbers_of_the_default_region_come_from_libphonenumber() -> None:
    for raw in ("999", "112"):
        assert normalize(raw, default_region="GB").emergency
    assert normalize("110", default_region="DE").emergency
    assert normalize("15", default_region="FR").emergency


def test_a_free_helpline_of_the_default_region_is_a_service() -> None:
    assert normalize("116123", default_region="GB").service


def test_a_four_digit_carrier_code_is_short_but_gets_no_free_pass() -> None:
    number = normalize("5487")

    assert number.short_code
    assert not number.never_block


def test_an_sms_short_code_is_short_but_gets_no_free_pass() -> None:
    number = normalize("92225")

    assert number.short_code
    assert not number.never_block
    assert number.e164 is None
    assert not number.impossible


def test_a_premium_short_code_is_premium() -> None:
    number = normalize("24280")

    assert (number.short_code, number.premium, number.service) == (True, True, False)


def test_toll_free_numbers_are_flagged() -> None:
    number = normalize("+1 800 555 0123")

    assert (number.toll_free, number.premium) == (True, False)
    assert number.number_type is NumberType.TOLL_FREE


def test_premium_rate_numbers_are_flagged() -> None:
    number = normalize("+1 900 555 0123")

    assert (number.toll_free, number.premium) == (False, True)
    assert number.number_type is NumberType.PREMIUM_RATE


@pytest.mark.parametrize("raw", ["+1 415 555", "+1 415 555 01234", "2991577", "812", "+44 20"])
def test_impossible_numbers_are_returned_flagged_not_raised(raw: str) -> None:
    number = normalize(raw)

    assert number.impossible
    assert not number.is_possible
    assert not number.is_valid
    assert number.number_type is NumberType.UNKNOWN
    assert number.e164 is not None


def test_a_possible_number_in_an_unassigned_area_code_is_invalid_but_not_impossible() -> None:
    number = normalize("+1 555 555 0123")

    assert (number.is_possible, number.is_valid, number.impossible) == (True, False, False)
    assert number.region is None
    assert number.e164 == "+15555550123"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   \t ", "empty"),
        ("\u200b\u00a0", "empty"),
        ("tel:", "empty"),
        ("x" * 300, "too_long"),
        ("+1 415 555 0123 415 555 0123 415 5", "too_long"),
        ("2345678901234567890", "too_long"),
        ("+1 23456789012345678901", "too_long"),
        ("---", "no_digits"),
        ("()", "no_digits"),
        ("hello", "no_digits"),
        ("N/A", "no_digits"),
        ("415#555#0123", "invalid_characters"),
        ("*67 415 555 0123", "invalid_characters"),
        ("415555012\U0001f600", "invalid_characters"),
        ("415\x00555", "invalid_characters"),
        ("call 4155550123", "not_a_number"),
        ("415+5550123", "not_a_number"),
        ("++14155550123", "not_a_number"),
        ("+999 415 555 0123", "invalid_country_code"),
        ("011 999 415 555", "invalid_country_code"),
        ("7", "too_short"),
        ("42", "too_short"),
        ("+44 1", "too_short"),
    ],
)
def test_garbage_raises_invalid_number_with_its_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidNumber) as raised:
        normalize(raw)

    assert raised.value.reason == reason
    assert reason in REJECT_REASONS


def test_every_reject_reason_is_tested() -> None:
    # Keeps the table above honest when a reason is added.
    assert set(REJECT_REASONS) == {
        "empty",
        "too_long",
        "no_digits",
        "invalid_characters",
        "not_a_number",
        "invalid_country_code",
        "too_short",
    }


def test_an_invalid_number_message_never_contains_the_input() -> None:
    with pytest.raises(InvalidNumber) as raised:
        normalize("+999 415 555 0123")

    assert "415" not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_an_invalid_number_survives_pickling() -> None:
    error = InvalidNumber("too_short", "one digit")

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object

    assert (copy.reason, copy.detail, str(copy)) == ("too_short", "one digit", str(error))


def test_an_invalid_number_refuses_an_unknown_reason() -> None:
    with pytest.raises(ValueError, match="unknown reject reason"):
        InvalidNumber("bad_vibes")


def test_number_types_mirror_libphonenumber_in_lower_case() -> None:
    names = {
        name.lower()
        for name in vars(phonenumbers.PhoneNumberType)
        if name.isupper() and not name.startswith("_")
    }

    assert names <= {member.value for member in NumberType}
    assert str(NumberType.MOBILE) == "mobile"
    assert NumberType("mobile") is NumberType.MOBILE


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("4155550123", None),
        ("+1 555 555 0123", None),
        ("anonymous", "withheld"),
        ("911", "emergency_or_service"),
        ("611", "emergency_or_service"),
        ("92225", "short_code"),
        ("2991577", "impossible"),
        ("+1 415 555", "impossible"),
        ("", "empty"),
        ("12", "too_short"),
        ("123456789012345678901", "too_long"),
    ],
)
def test_classify_for_import_keeps_only_numbers_usable_for_reputation(
    raw: str, reason: str | None
) -> None:
    number, why = classify_for_import(raw, "US")

    assert why == reason
    assert (number is not None) == (reason is None)
    if number is not None:
        assert number.e164 is not None
        assert number.is_possible


def test_importing_the_numbers_package_loads_nothing_heavy() -> None:
    probe = (
        "import sys, pepper.numbers; "
        "heavy = ('flask', 'sqlalchemy', 'phonenumbers.geocoder', 'phonenumbers.carrier'); "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )

    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()

    assert loaded == ""
