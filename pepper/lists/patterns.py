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


def stored_pattern(pattern: str) -> Pattern:
    """The Pattern of one ``parse_pattern`` made, from its shown form alone."""
    if pattern.endswith("*"):
        return Pattern(pattern=pattern, prefix=pattern[:-1], is_prefix=True)
    return Pattern(pattern=pattern, prefix=pattern, is_prefix=False)


class PersonalList:
    """One device's list entries, matched in memory the way the database matches them:
    an exact entry first, else the longest prefix the number starts with."""

    __slots__ = ("_exact", "_prefixes")

    def __init__(self, entries: list[tuple[str, str, bool]]) -> None:
        """``entries``: (pattern as shown, prefix, is_prefix)."""
        self._exact = {prefix: pattern for pattern, prefix, is_prefix in entries if not is_prefix}
        # Longest first, so the first hit is the most specific prefix.
        self._prefixes = sorted(
            ((prefix, pattern) for pattern, prefix, is_prefix in entries if is_prefix),
            key=lambda item: len(item[0]),
            reverse=True,
        )

    def match(self, e164: str) -> str | None:
        """The pattern this number matches, or None."""
        exact = self._exact.get(e164)
        if exact is not None:
            return exact
        for prefix, pattern in self._prefixes:
            if e164.startswith(prefix):
                return pattern
        return None

    def __len__(self) -> int:
        return len(self._exact) + len(self._prefixes)
