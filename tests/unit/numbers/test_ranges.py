"""range_keys(): the number blocks a number belongs to."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pepper.numbers import normalize, range_keys


def test_a_nanp_number_belongs_to_its_exchange_and_its_thousands_block() -> None:
    assert range_keys(normalize("+1 415 555 0123")) == ("+1:415555", "+1:4155550")


def test_another_country_keys_blocks_of_ten_thousand_and_one_thousand() -> None:
    assert range_keys(normalize("+44 20 7946 0958")) == ("+44:207946", "+44:2079460")


def test_the_keys_follow_the_national_number_length() -> None:
    # Nine-digit French national number: prefixes of 5 and 6 digits.
    assert range_keys(normalize("+33 6 12 34 56 78")) == ("+33:61234", "+33:612345")


def test_a_very_short_national_number_keeps_only_ranges_of_at_least_two_digits() -> None:
    # Saint Helena has five-digit national numbers, Niue four-digit ones.
    assert range_keys(normalize("+290 22222")) == ("+290:22",)
    assert range_keys(normalize("+683 4002")) == ()


def test_the_same_number_written_differently_has_the_same_keys() -> None:
    assert range_keys(normalize("(415) 555-0123")) == range_keys(normalize("tel:+14155550123"))


def test_an_invalid_but_possible_number_still_has_ranges() -> None:
    assert range_keys(normalize("+1 555 555 0123")) == ("+1:555555", "+1:5555550")


@pytest.mark.parametrize("raw", ["anonymous", "+266696687", "911", "611", "92225"])
def test_withheld_and_short_numbers_belong_to_no_range(raw: str) -> None:
    assert range_keys(normalize(raw)) == ()


@pytest.mark.parametrize("raw", ["+1 415 555", "2991577", "+44 20"])
def test_impossible_numbers_belong_to_no_range(raw: str) -> None:
    assert range_keys(normalize(raw)) == ()


def test_range_keys_is_pure() -> None:
    number = normalize("+14155550123")
    keys = range_keys(number)

    assert range_keys(number) == keys
    assert range_keys(replace(number)) == keys
