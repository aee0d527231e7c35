"""Properties of normalize() over generated input."""

from __future__ import annotations

import phonenumbers
from hypothesis import assume, given, reject
from hypothesis import strategies as st

from pepper.numbers import InvalidNumber, NormalizedNumber, normalize
from pepper.numbers.withheld import WITHHELD_WORDS

# Characters caller IDs are made of, plus some that they never contain.
NUMBERISH = st.text(
    alphabet=st.sampled_from(
        [
            *'0123456789+-().  /xX;=@:<>"telsipEXT#*abcFLOWERS',
            *"\u00a0\u2009\u200b\uff11\uff0b\u0663\u2013",
        ]
    ),
    max_size=34,
)
NANP_DIGITS = st.from_regex(r"[2-9][0-9]{2}[2-9][0-9]{6}", fullmatch=True)
DIGITS = st.from_regex(r"[0-9]{2,16}", fullmatch=True)
E164 = phonenumbers.PhoneNumberFormat.E164


def _normalize_or_none(raw: str) -> NormalizedNumber | None:
    try:
        return normalize(raw)
    except InvalidNumber:
        return None


def _full_number(raw: str) -> tuple[NormalizedNumber, str]:
    """normalize(raw) and its e164; inputs without an e164 are not test cases."""
    number = _normalize_or_none(raw)
    if number is None or number.e164 is None:
        reject()
    return number, number.e164


@given(st.text(max_size=80))
def test_arbitrary_text_raises_nothing_but_invalid_number(raw: str) -> None:
    _normalize_or_none(raw)


@given(NUMBERISH)
def test_number_like_text_raises_nothing_but_invalid_number(raw: str) -> None:
    _normalize_or_none(raw)


@st.composite
def formatted(draw: st.DrawFn, digits: str) -> str:
    """`digits` (10 NANP digits) written the way some carrier or phone might write it."""
    prefix = draw(st.sampled_from(["", "1", "+1", "+1 ", "1-", "001", "011 1 ", "tel:+1-"]))
    separator = draw(st.sampled_from(["", " ", "-", ".", "\u00a0", " - "]))
    area = digits[:3]
    if draw(st.booleans()):
        area = f"({area})"
    body = separator.join([area, digits[3:6], digits[6:]])
    suffix = draw(st.sampled_from(["", ";ext=12", " ext. 4"])) if prefix.startswith("tel") else ""
    padding = draw(st.sampled_from(["", " ", "\t", "\u00a0", "\u200e"]))
    return f"{padding}{prefix}{body}{suffix}{padding}"


@given(NANP_DIGITS, st.data())
def test_a_valid_nanp_number_has_one_e164_however_it_is_written(
    digits: str, data: st.DataObject
) -> None:
    canonical = normalize("+1" + digits)
    assume(canonical.is_valid)

    assert normalize(data.draw(formatted(digits))).e164 == canonical.e164 == "+1" + digits


@st.composite
def caller_ids(draw: st.DrawFn) -> str:
    """Digits with a random prefix and random punctuation between them."""
    digits = draw(DIGITS)
    separators = draw(st.lists(st.sampled_from(["", "", " ", "-", ".", "(", ")"]), min_size=16))
    body = "".join(d + sep for d, sep in zip(digits, separators, strict=False))
    prefix = draw(st.sampled_from(["", "+", "+1", "1", "00", "011", "tel:+", "sip:+"]))
    suffix = "@example.com" if prefix.startswith("sip") else ""
    return prefix + body + suffix


@given(caller_ids())
def test_normalizing_an_e164_result_again_gives_the_same_number(raw: str) -> None:
    number, e164 = _full_number(raw)

    assert normalize(e164) == number


@given(DIGITS, st.sampled_from(["", "+", "1", "00", "011"]))
def test_normalizing_an_e164_result_of_digits_gives_the_same_number(
    digits: str, prefix: str
) -> None:
    number, e164 = _full_number(prefix + digits)

    assert normalize(e164) == number


@given(
    st.sampled_from(sorted(WITHHELD_WORDS)),
    st.lists(st.booleans(), min_size=len(max(WITHHELD_WORDS, key=len))),
)
def test_withheld_words_are_withheld_in_any_case(word: str, upper: list[bool]) -> None:
    mixed = "".join(c.upper() if up else c for c, up in zip(word, upper, strict=False))

    assert normalize(f" {mixed} ").withheld


@given(DIGITS)
def test_a_full_number_agrees_with_libphonenumber(digits: str) -> None:
    # normalize() computes region and type in one pass instead of calling
    # region_code_for_number(), number_type() and is_valid_number(): they must agree.
    number, e164 = _full_number("+" + digits)
    read = phonenumbers.format_number(phonenumbers.parse("+" + digits, "US"), E164)
    # Either libphonenumber's reading or, where that is unstable, the literal one.
    assert e164 in (read, "+" + digits)
    parsed = phonenumbers.parse(e164)
    assume(phonenumbers.national_significant_number(parsed) == number.national_number)

    assert number.is_possible == (
        phonenumbers.is_possible_number_with_reason(parsed)
        == phonenumbers.ValidationResult.IS_POSSIBLE
    )
    # An impossible number is never valid here, while libphonenumber calls a few numbers
    # valid but not possible (7-digit Canadian 310-xxxx numbers, never a caller ID).
    assert number.is_valid == (number.is_possible and phonenumbers.is_valid_number(parsed))
    if number.is_possible:
        assert number.number_type.name == phonenumbers.PhoneNumberType.to_string(
            phonenumbers.number_type(parsed)
        )
        region = phonenumbers.region_code_for_number(parsed)
        assert number.region == (None if region == "001" else region)


@given(st.from_regex(r"1?[2-9][0-9]{9}", fullmatch=True))
def test_the_nanp_shortcut_builds_what_parse_would(digits: str) -> None:
    number = normalize(digits)
    assume(not number.withheld)  # 7378742833 is a Twilio placeholder
    parsed = phonenumbers.parse(digits, "US")

    assert number.e164 == phonenumbers.format_number(parsed, E164)
    assert number.is_valid == phonenumbers.is_valid_number(parsed)


@given(NUMBERISH)
def test_a_valid_number_is_always_possible(raw: str) -> None:
    number = _normalize_or_none(raw)

    if number is not None and number.is_valid:
        assert number.is_possible
