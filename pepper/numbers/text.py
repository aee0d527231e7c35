"""From caller-ID text, as carriers and phones send it, to the digits of a number."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from pepper.numbers.errors import InvalidNumber

# A SIP URI with a long host name and parameters is still a caller ID, so the raw input
# gets a generous cap (only to bound the work done on it) and the number part left after
# stripping URI syntax a tight one.
MAX_INPUT_CHARS = 256
MAX_NUMBER_CHARS = 32
# A cheap bound before parsing: a country code of up to 3 digits and a national number of
# up to 17, libphonenumber's maximum (which parsing then enforces). Real E.164 numbers
# have at most 15 digits, so this is generous without letting junk through.
MAX_DIGITS = 20

# Characters a phone number can be written with besides digits and whitespace (the same
# set as libphonenumber's VALID_PUNCTUATION, after NFKC has folded full-width forms).
_PUNCTUATION = frozenset("-.()/[]~\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\u2053\u223c")

# Zero-width and bidirectional formatting characters: phones wrap numbers in them when
# copying from right-to-left text. They carry nothing, so they are dropped, not rejected.
_INVISIBLE: dict[int, None] = dict.fromkeys(
    map(
        ord,
        "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
        "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff",
    )
)

_KEYPAD = {
    letter: digit
    for digit, letters in {
        "2": "abc",
        "3": "def",
        "4": "ghi",
        "5": "jkl",
        "6": "mno",
        "7": "pqrs",
        "8": "tuv",
        "9": "wxyz",
    }.items()
    for letter in letters
}
# Vanity letters are read only after an area code or a 1-800 style prefix: "1-800-FLOWERS"
# is a number, "CALL ME 123" is not.
_DIGITS_BEFORE_VANITY = 3

# The common shapes, ASCII digits with the usual punctuation, take one regex match.
_PLAIN = re.compile(r"[\s(]*\+?[\d\s().\-/]*", re.ASCII)
_NON_DIGITS = re.compile(r"[^0-9]+")
# "+1 415 555 0123 ext. 12", "4155550123x12": the extension does not identify the caller.
_EXTENSION = re.compile(
    r"(?<=[\d\s.)\-])\s*(?:ext(?:ension)?|x)\.?\s*[:=]?\s*\d{1,7}\s*\Z", re.ASCII | re.IGNORECASE
)


def unwrap(raw: str) -> str:
    """The number part of caller-ID text, without URI syntax, parameters or extension."""
    if len(raw) > MAX_INPUT_CHARS:
        raise InvalidNumber("too_long", f"input longer than {MAX_INPUT_CHARS} characters")
    text = raw.strip()
    if not text.isascii():
        text = text.translate(_INVISIBLE).strip()
    if not text:
        raise InvalidNumber("empty")
    text = _strip_uri(text)
    if "x" in text or "X" in text:
        text = _EXTENSION.sub("", text)
    text = text.strip()
    if not text:
        raise InvalidNumber("empty", "nothing left after removing URI syntax")
    if len(text) > MAX_NUMBER_CHARS:
        raise InvalidNumber("too_long", f"number longer than {MAX_NUMBER_CHARS} characters")
    return text


def _strip_uri(text: str) -> str:
    """Reduce a tel:/sip: URI or SIP name-addr to its user part (RFC 3966, RFC 3261)."""
    if "<" in text:  # '"Display Name" <sip:+14155550123@host>'
        start = text.index("<") + 1
        end = text.find(">", start)
        text = text[start : end if end >= 0 else None].strip()
    scheme = text[:5].lower()
    if scheme.startswith(("tel:", "sip:")):
        text = text[4:]
    elif scheme == "sips:":
        text = text[5:]
    if "@" in text:
        text = text.partition("@")[0]
    if ";" in text:
        text, _, parameters = text.partition(";")
        text = _with_phone_context(text, parameters)
    if "%" in text:
        text = unquote(text)
    return text


def _with_phone_context(number: str, parameters: str) -> str:
    """Prefix a local tel: number with its global phone-context ("+44"), if it has one.

    Every other parameter (ext, isub, user=phone, npdi, rn, ...) is dropped: none of them
    changes who is calling. A domain-name context says nothing about the country, so the
    default region applies.
    """
    if number.lstrip().startswith("+"):
        return number
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "phone-context" and value.strip().startswith("+"):
            return value.strip() + number
    return number


def to_digits(text: str) -> tuple[bool, str]:
    """Split number text into (whether it starts with '+', its ASCII digits)."""
    if _PLAIN.fullmatch(text):
        plus = "+" in text
        digits = _NON_DIGITS.sub("", text)
    else:
        plus, digits = _read_characters(text)
    if not digits:
        raise InvalidNumber("no_digits")
    if len(digits) > MAX_DIGITS:
        raise InvalidNumber("too_long", f"more than {MAX_DIGITS} digits")
    return plus, digits


def _read_characters(text: str) -> tuple[bool, str]:
    """The slow path of to_digits: any script's digits, full-width forms, vanity letters."""
    if not text.isascii():
        # Folds full-width digits, "+", brackets and the ideographic space to ASCII.
        text = unicodedata.normalize("NFKC", text)
    plus = False
    digits: list[str] = []
    dialled = 0  # digits written as digits, not as vanity letters
    early_letter = False
    for char in text:
        if "0" <= char <= "9":
            digits.append(char)
            dialled += 1
        elif char in _PUNCTUATION or char.isspace():
            continue
        elif char == "+":
            if digits or plus:
                raise InvalidNumber("not_a_number", "'+' after the start of the number")
            plus = True
        elif char.isdecimal():  # Arabic-Indic, Devanagari, ... digits
            digits.append(str(unicodedata.decimal(char)))
            dialled += 1
        elif char.isascii() and char.isalpha():
            early_letter = early_letter or dialled < _DIGITS_BEFORE_VANITY
            digits.append(_KEYPAD[char.lower()])
        else:
            raise InvalidNumber("invalid_characters")
    if not dialled:
        raise InvalidNumber("no_digits")
    if early_letter:
        raise InvalidNumber("not_a_number", "letters before the first three digits")
    return plus, "".join(digits)
