"""Short numbers: emergency, N11 services, carrier and SMS short codes."""

from __future__ import annotations

import phonenumbers
from phonenumbers import shortnumberinfo
from phonenumbers.shortnumberinfo import ShortNumberCost

from pepper.numbers.number import NormalizedNumber, NumberType

# Emergency whatever the default region says: a caller showing one of these must never be
# blocked. 112 and 999 are the GSM and UK emergency numbers (US mobiles route 112 to 911);
# 988 is the US Suicide & Crisis Lifeline, which libphonenumber files as a toll-free
# short number, not as an emergency number.
ALWAYS_EMERGENCY: frozenset[str] = frozenset({"911", "112", "999", "988"})

# Short numbers are looked for only among digit strings this short. That covers every
# short number of 231 of libphonenumber's 241 short-number regions (the US plan stops at
# six digits); the longer short codes of the other ten (AU, CN, IN, JP, ...) are read as
# ordinary numbers, and 10-digit numbers never pay for the short-number lookups.
SHORT_NUMBER_MAX_DIGITS = 6
_SERVICE_CODE_MAX_DIGITS = 3


def short_number(digits: str, region: str) -> NormalizedNumber | None:
    """The short number `digits` of `region` (dialled without '+'), or None if it is none."""
    emergency = digits in ALWAYS_EMERGENCY or shortnumberinfo.is_emergency_number(digits, region)
    country_code = phonenumbers.country_code_for_region(region)
    number = national_phone_number(country_code, digits)
    if not (emergency or shortnumberinfo.is_valid_short_number_for_region(number, region)):
        return None
    cost = shortnumberinfo.expected_cost_for_region(number, region)
    # A service number (311 city services, 611 carrier support, 711 relay for deaf and
    # hard-of-hearing callers, the European 116xxx helplines) is never blocked, so the
    # pass is kept narrow: three digits or fewer, or free to call. SMS and premium-rate
    # codes, and the US plan's catch-all of four-digit carrier codes, are short numbers
    # but get no free pass a spoofer could borrow.
    service = (
        not emergency
        and cost != ShortNumberCost.PREMIUM_RATE
        and (len(digits) <= _SERVICE_CODE_MAX_DIGITS or cost == ShortNumberCost.TOLL_FREE)
        and not shortnumberinfo.is_sms_service_for_region(number, region)
    )
    return NormalizedNumber(
        e164=None,
        country_code=country_code,
        region=region,
        national_number=digits,
        number_type=NumberType.SHORT_CODE,
        is_valid=True,
        is_possible=True,
        withheld=False,
        emergency=emergency,
        service=service,
        toll_free=cost == ShortNumberCost.TOLL_FREE,
        premium=cost == ShortNumberCost.PREMIUM_RATE,
        short_code=True,
    )


def national_phone_number(country_code: int, national: str) -> phonenumbers.PhoneNumber:
    """A PhoneNumber for national significant digits, keeping leading zeros as parse() does."""
    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
    if len(national) > 1 and national[0] == "0":
        zeros = len(national) - len(national.lstrip("0"))
        number.italian_leading_zero = True
        # parse() never counts the last digit as a leading zero ("000" is 0 plus two zeros).
        number.number_of_leading_zeros = min(zeros, len(national) - 1)
    return number
