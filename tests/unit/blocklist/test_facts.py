"""number_facts() finds the type and validity normalize() finds, for every country."""

from __future__ import annotations

import numpy as np
import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from pepper.blocklist.facts import number_facts
from pepper.model.features_batch import TYPE_OTHER, type_index
from pepper.numbers import InvalidNumber, normalize

CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
SHARED = [c for c in CODES if len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[c]) > 1]


def expected(digits: int) -> tuple[int, bool] | None:
    """What normalize() says, or None where it does not read the digits as they are."""
    try:
        n = normalize(f"+{digits}")
    except InvalidNumber:
        return None
    if n.e164 != f"+{digits}":
        return None
    if not n.is_possible:
        return (TYPE_OTHER, False)
    return (type_index(n.number_type), n.is_valid)


def check(digits: list[int]) -> int:
    numbers = np.array(digits, dtype=np.uint64)
    types, valid = number_facts(numbers)
    compared = 0
    for i, d in enumerate(digits):
        want = expected(d)
        if want is not None:
            assert (int(types[i]), bool(valid[i])) == want, d
            compared += 1
    return compared


national = st.integers(4, 13).flatmap(lambda k: st.integers(10 ** (k - 1), 10**k - 1))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CODES + SHARED * 3), national), min_size=1, max_size=40))
def test_random_numbers_of_any_country_get_the_facts_normalize_finds(
    pairs: list[tuple[int, int]],
) -> None:
    check([int(f"{code}{rest}") for code, rest in pairs])


def test_twenty_thousand_north_american_numbers_agree_with_normalize() -> None:
    """Every NANP region is tried in order: the shared-code path, valid and not."""
    rng = np.random.default_rng(3)
    digits = (10_000_000_000 + rng.integers(2_000_000_000, 9_999_999_999, 20_000)).tolist()
    assert check(digits) == len(digits)


def test_numbers_of_several_types_and_regions() -> None:
    numbers = [18005550199, 19005550123, 447400123456, 442079460958, 12684601234, 74957123456]
    types, _ = number_facts(np.array(numbers, dtype=np.uint64))
    assert len(set(types.tolist())) >= 4  # toll free, premium, mobile, fixed line, ...
    assert check(numbers) == len(numbers)
