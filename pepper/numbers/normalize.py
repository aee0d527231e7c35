"""normalize(): any caller-ID string to a NormalizedNumber, or InvalidNumber for garbage.

The order of the steps is the order of their cost: withheld words and Twilio
placeholders (~2 us), then short numbers (only for six digits or fewer, ~10 us), and
only then libphonenumber's validation, which is most of the ~15 us an ordinary NANP
number costs (other countries also pay for parse(), ~25-50 us in all).
Nothing here logs: caller IDs are personal data.
"""

from __future__ import annotations

import functools
import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberType, ValidationResult
from phonenumbers.phonenumberutil import _number_type_helper

from pepper.numbers import special, text, withheld
from pepper.numbers.errors import InvalidNumber
from pepper.numbers.number import WITHHELD, NormalizedNumber, NumberType

_NUMBER_TYPES: dict[int, NumberType] = {
    PhoneNumberType.FIXED_LINE: NumberType.FIXED_LINE,
    PhoneNumberType.MOBILE: NumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.TOLL_FREE: NumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE: NumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST: NumberType.SHARED_COST,
    PhoneNumberType.VOIP: NumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER: NumberType.PERSONAL_NUMBER,
    PhoneNumberType.PAGER: NumberType.PAGER,
    PhoneNumberType.UAN: NumberType.UAN,
    PhoneNumberType.VOICEMAIL: NumberType.VOICEMAIL,
    PhoneNumberType.UNKNOWN: NumberType.UNKNOWN,
}

_PARSE_ERRORS: dict[int, str] = {
    NumberParseException.INVALID_COUNTRY_CODE: "invalid_country_code",
    NumberParseException.NOT_A_NUMBER: "not_a_number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too_short",
    NumberParseException.TOO_SHORT_NSN: "too_short",
    NumberParseException.TOO_LONG: "too_long",
}

_UNKNOWN = NumberType.UNKNOWN
_NANP_REGIONS = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1])
_NO_REGION = "ZZ"  # parse()'s "unknown region", for numbers that start with "+"
_NON_GEOGRAPHIC = "001"  # libphonenumber's "region" of +800, +808, +870, ... numbers
# Digit strings at least this long that are impossible in the default region are tried as
# international numbers that lost their "+" (SIP trunks and the FTC data send "44207...").
_MIN_DIGITS_WITHOUT_PLUS = 11

# Keep every compiled metadata pattern instead of recompiling whatever fell out of the re
# module's small cache: halves the cost of validation. The cache is bounded by the
# metadata and changes no result, only speed.
phonenumbers.enable_pattern_cache()


# A pure function of its arguments with an immutable result, asked about the same numbers
# again and again (the number a subscriber's calls come in on, a campaign's caller IDs):
# remembered, it costs ~1 µs instead of ~25 (BASELINES.md). Bounded, so a flood of
# distinct garbage only churns it; errors are never remembered.
@functools.lru_cache(maxsize=16_384)
def normalize(raw: str, default_region: str = "US") -> NormalizedNumber:
    """Normalise a caller ID as received; raise InvalidNumber only for garbage."""
    region = _supported_region(default_region)
    number_text = text.unwrap(raw)
    if withheld.is_withheld_text(number_text):
        return WITHHELD
    plus, digits = text.to_digits(number_text)
    if withheld.is_placeholder(digits):
        return WITHHELD
    if not plus and len(digits) <= special.SHORT_NUMBER_MAX_DIGITS:
        short = special.short_number(digits, region)
        if short is not None:
            return short
        if len(digits) <= 2:
            raise InvalidNumber("too_short", "one or two digits and no short number")
    number = _full_number(plus, digits, region)
    # "00266696687" is the "+266696687" placeholder behind an international prefix.
    if number.e164 is not None and withheld.is_placeholder(number.e164[1:]):
        return WITHHELD
    return number


def classify_for_import(
    raw: str, default_region: str = "US"
) -> tuple[NormalizedNumber | None, str | None]:
    """(number, None) when a reported number is usable for reputation, else (None, reason).

    The reason is an InvalidNumber reason, or one of "withheld", "emergency_or_service",
    "short_code", "impossible".
    """
    try:
        number = normalize(raw, default_region)
    except InvalidNumber as error:
        return None, error.reason
    if number.withheld:
        return None, "withheld"
    if number.never_block:
        return None, "emergency_or_service"
    if number.short_code:
        return None, "short_code"
    if number.e164 is None or not number.is_possible:
        return None, "impossible"
    return number, None


def _supported_region(default_region: str) -> str:
    region = default_region.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        # Our configuration is wrong, not the caller's input: a plain ValueError, so that
        # it is not mistaken for (and counted as) a garbage number.
        raise ValueError(f"unsupported default region {default_region!r}")
    return region


def _full_number(plus: bool, digits: str, region: str) -> NormalizedNumber:
    try:
        number = _describe(_phone_number(plus, digits, region))
    except InvalidNumber:
        retry = None if plus else _as_international(digits, region)
        if retry is None:
            raise
        return retry
    if plus or number.is_possible:
        return number
    return _as_international(digits, region) or number


def _as_international(digits: str, region: str) -> NormalizedNumber | None:
    """Read digits that fail in the default region as an international number, if they fit.

    "00" is the international call prefix of most of the world, so "001 415 555 0123" is
    read as +1 415 555 0123 even from the US (whose own prefix, 011, libphonenumber
    already knows). A long digit string without any prefix is only taken as international
    when it is then a *valid* number, as a merely possible one would often be a mistyped
    local number.
    """
    if digits.startswith("00"):
        candidate, need_valid = digits[2:], False
    elif len(digits) >= _MIN_DIGITS_WITHOUT_PLUS:
        candidate, need_valid = digits, True
    else:
        return None
    try:
        number = _describe(_phone_number(True, candidate, region))
    except InvalidNumber:
        return None
    if number.is_valid if need_valid else number.is_possible:
        return number
    return None


def _phone_number(plus: bool, digits: str, region: str) -> phonenumbers.PhoneNumber:
    """Parse digits, building ordinary NANP numbers directly (parse() costs ~20 us)."""
    if (
        digits[0] == "1"
        and len(digits) == 11
        and digits[1] > "1"
        and (plus or region in _NANP_REGIONS)
    ):
        return special.national_phone_number(1, digits[1:])
    if not plus and len(digits) == 10 and digits[0] > "1" and region in _NANP_REGIONS:
        return special.national_phone_number(1, digits)
    if plus:
        return _stable(_parse("+" + digits, region), digits)
    # Read the national reading once more the way normalize(n.e164) will read it, so that
    # the two agree even where parse() would drop a national prefix from the result.
    national = _parse(digits, region)
    e164_digits = f"{national.country_code}{phonenumbers.national_significant_number(national)}"
    return _stable(_parse("+" + e164_digits, region), e164_digits)


def _parse(dialable: str, region: str) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(dialable, region)
    except NumberParseException as error:
        # `from None`: libphonenumber's message is not ours to show, and the chained
        # traceback would sit next to the raw input in error trackers.
        raise InvalidNumber(_PARSE_ERRORS.get(error.error_type, "not_a_number")) from None


def _stable(parsed: phonenumbers.PhoneNumber, digits: str) -> phonenumbers.PhoneNumber:
    """Keep parse()'s reading of "+" digits only if it survives a second parse.

    parse() drops a national prefix written after the country code ("+44 (0)20 ...").
    When what remains starts with that prefix again ("+20 00..."), parsing the result
    would drop more, and normalize(n.e164) would differ from n. Such (junk) numbers are
    read literally instead: the digits after the country code, all of them.
    """
    country_code = str(parsed.country_code)
    national = phonenumbers.national_significant_number(parsed)
    if len(country_code) + len(national) == len(digits):
        return parsed  # nothing dropped, the usual case
    again = _parse(f"+{country_code}{national}", _NO_REGION)
    if phonenumbers.national_significant_number(again) == national:
        return parsed
    return special.national_phone_number(int(country_code), digits[len(country_code) :])


def _describe(number: phonenumbers.PhoneNumber) -> NormalizedNumber:
    country_code = number.country_code
    if country_code is None:  # parse() always sets it; this keeps the types honest
        raise InvalidNumber("invalid_country_code")
    national = phonenumbers.national_significant_number(number)
    possible = phonenumbers.is_possible_number_with_reason(number) == ValidationResult.IS_POSSIBLE
    region, number_type = _region_and_type(country_code, national, possible)
    return NormalizedNumber(
        e164=f"+{country_code}{national}",  # what format_number(..., E164) returns
        country_code=country_code,
        region=None if region == _NON_GEOGRAPHIC else region,
        national_number=national,
        number_type=number_type,
        # is_valid_number() is exactly "number_type() is not UNKNOWN"
        is_valid=number_type is not NumberType.UNKNOWN,
        is_possible=possible,
        withheld=False,
        emergency=False,
        service=False,
        toll_free=number_type is NumberType.TOLL_FREE,
        premium=number_type is NumberType.PREMIUM_RATE,
        short_code=False,
    )


def _region_and_type(
    country_code: int, national: str, possible: bool
) -> tuple[str | None, NumberType]:
    """region_code_for_number() and number_type() in one pass over the metadata.

    Called one after the other, the two validate the number twice (three times for a
    shared country code such as +1), which was half the cost of normalize(). The unit
    tests check this against both public functions. An impossible number is invalid
    without looking: its region is known only when its country code has one region.
    """
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
    if len(regions) == 1:
        region = regions[0]
        return region, _type_in(country_code, region, national) if possible else _UNKNOWN
    if not possible:
        return None, _UNKNOWN
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region(region)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            if _compiled(metadata.leading_digits).match(national):
                return region, _type_of(national, metadata)
        else:
            number_type = _type_of(national, metadata)
            if number_type is not NumberType.UNKNOWN:
                return region, number_type
    return None, _UNKNOWN


def _type_in(country_code: int, region: str, national: str) -> NumberType:
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    return _UNKNOWN if metadata is None else _type_of(national, metadata)


def _type_of(national: str, metadata: PhoneMetadata) -> NumberType:
    # The private helper behind number_type() and is_valid_number(); see _region_and_type.
    return _NUMBER_TYPES.get(_number_type_helper(national, metadata), _UNKNOWN)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
