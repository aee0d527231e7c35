"""E.164 numbers as integers: country codes, ranges and what may be listed, in numpy.

Country calling codes are a prefix code (no code is the start of another), so the
digits of ``+44 20 7946 0958`` name their country without a separator, and a range key
of ``pepper.numbers.range_keys`` ("+44:207946") is the integer 44207946. The two ranges
of a number are its digits without the last four and without the last three (for NANP
numbers too: 6 and 7 national digits of 10), exactly when ``range_keys`` would name them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import phonenumbers
from numpy.typing import NDArray

from pepper.blocklist.entries import Numbers
from pepper.numbers import special
from pepper.numbers.ranges import _BLOCK_SUFFIXES, _MIN_PREFIX

_POWERS = np.array([10**k for k in range(20)], dtype=np.uint64)
_CODES = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def digit_counts(numbers: Numbers) -> NDArray[np.int64]:
    """How many decimal digits each number has (numbers are > 0)."""
    return np.searchsorted(_POWERS, numbers, side="right").astype(np.int64)


def country_codes(numbers: Numbers) -> NDArray[np.int64]:
    """The calling code of each number; 0 where its first digits are no country's."""
    digits = digit_counts(numbers)
    found = np.zeros(numbers.shape, dtype=np.int64)
    for width in (1, 2, 3):
        shift = np.clip(digits - width, 0, None)
        head = (numbers // _POWERS[shift]).astype(np.int64)
        known = np.isin(head, np.array(sorted(c for c in _CODES if len(str(c)) == width)))
        found = np.where((found == 0) & known & (digits > width), head, found)
    return found


@cache
def _possible(country_code: int, national_digits: int) -> bool:
    # libphonenumber decides possibility by the country and the length alone.
    number = phonenumbers.PhoneNumber(
        country_code=country_code, national_number=int("9" * national_digits)
    )
    reason = phonenumbers.is_possible_number_with_reason(number)
    return bool(reason == phonenumbers.ValidationResult.IS_POSSIBLE)


def possible(numbers: Numbers, codes: NDArray[np.int64]) -> NDArray[np.bool_]:
    """``NormalizedNumber.is_possible`` of each number (wrong length: False)."""
    national = national_lengths(numbers, codes)
    pairs = codes * 100 + national
    result = np.zeros(numbers.shape, dtype=np.bool_)
    for pair in np.unique(pairs).tolist():
        code, width = divmod(int(pair), 100)
        if code and width > 0 and _possible(code, width):
            result |= pairs == pair
    return result


def national_lengths(numbers: Numbers, codes: NDArray[np.int64]) -> NDArray[np.int64]:
    widths = np.where(codes >= 100, 3, np.where(codes >= 10, 2, 1))
    return digit_counts(numbers) - widths


def range_ids(numbers: Numbers, codes: NDArray[np.int64]) -> tuple[tuple[Any, Any], ...]:
    """For each range size (widest first): each number's range as an integer, and whether
    the number has that range (``range_keys``: possible numbers, long enough)."""
    national = national_lengths(numbers, codes)
    ok = possible(numbers, codes)
    out = []
    for suffix in _BLOCK_SUFFIXES:
        prefix = national - suffix
        has = ok & (prefix >= _MIN_PREFIX)
        out.append((numbers // np.uint64(10**suffix), has))
    return tuple(out)


def range_key_id(key: str) -> int:
    """ "+1:415555" (a range key, without its "r:") as the integer 1415555."""
    return int(key.lstrip("+").replace(":", ""))


def listable(numbers: Numbers) -> NDArray[np.bool_]:
    """Numbers a list may hold: possible numbers of a country, never emergency or service.

    An impossible number (such as +1 911) is not a line and the decision blocks it
    anyway; a possible number whose national part is an emergency or service short
    number of its country is excluded too, so that no caller-ID a phone might show for
    a dispatcher can ever be blocked by a list.
    """
    codes = country_codes(numbers)
    ok = possible(numbers, codes)
    national = national_lengths(numbers, codes)
    short = np.flatnonzero(ok & (national <= special.SHORT_NUMBER_MAX_DIGITS))
    for i in short.tolist():
        code, width = int(codes[i]), int(national[i])
        digits = str(int(numbers[i]))[-width:]
        for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ()):
            if region == "001":
                continue
            short_number = special.short_number(digits, region)
            if digits in special.ALWAYS_EMERGENCY or (
                short_number is not None and short_number.never_block
            ):
                ok[i] = False
                break
    return ok


def e164_to_int(e164: str) -> int:
    return int(e164.lstrip("+"))
