"""Number patterns for lists and labels: an exact number or a prefix ending in ``*``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pepper.errors import InvalidPattern
from pepper.numbers import normalize

_PREFIX = re.compile(r"^\+[1-9]\d{1,14}\*$")


@dataclass(frozen=True, slots=True)
class Pattern:
    pattern: str  # as stored and shown: "+14155550123" or "+1415555*"
    prefix: str  # the number, or the prefix without its "*"
    is_prefix: bool


def parse_pattern(raw: str, default_region: str) -> Pattern:
    """Read a list pattern; raises InvalidPattern (or InvalidNumber) for anything else."""
    text = raw.strip().replace(" ", "")
    if text.endswith("*"):
        if not _PREFIX.match(text):
            raise InvalidPattern("a prefix is + and 2 to 15 digits, then *")
        return Pattern(pattern=text, prefix=text[:-1], is_prefix=True)
    number = normalize(text, default_region)
    if number.e164 is None:
        raise InvalidPattern("withheld or short numbers cannot be listed")
    return Pattern(pattern=number.e164, prefix=number.e164, is_prefix=False)
