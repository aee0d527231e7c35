"""Recognising a caller ID that stands for "no number": anonymous, restricted, ..."""

from __future__ import annotations

import re

# Words carriers, PBXs and phones put where the number would be, compared after case
# folding and with spaces and punctuation removed ("No Caller ID" -> "nocallerid").
WITHHELD_WORDS: frozenset[str] = frozenset(
    {
        "anonymous",
        "anonymouscaller",
        "restricted",
        "restrictednumber",
        "unknown",
        "unknowncaller",
        "unknownnumber",
        "private",
        "privatecaller",
        "privatenumber",
        "unavailable",
        "notavailable",
        "blocked",
        "blockednumber",
        "withheld",
        "numberwithheld",
        "nocallerid",
        "outofarea",
        # The one-letter "reason for absence" markers of analogue caller ID (Bellcore
        # GR-30 MDMF): P = private, O = out of area.
        "p",
        "o",
    }
)

# Twilio's placeholders for a withheld caller ID: the words above spelled on a keypad
# (ANONYMOUS, RESTRICTED, BLOCKED, UNKNOWN) behind a "+". Matched with or without the
# "+" because some systems strip it. NB: without the "+", 7378742833 is also a well-formed
# Austin, TX number (NPA 737); it is still treated as withheld, as a stripped placeholder
# is the likelier reading of that exact string.
WITHHELD_PLACEHOLDER_DIGITS: frozenset[str] = frozenset(
    {"266696687", "7378742833", "2562533", "8656696"}
)

_NOT_A_WORD_CHARACTER = re.compile(r"[\W_]+")


def is_withheld_text(text: str) -> bool:
    """Whether the (URI-stripped) caller-ID text is one of the withheld words."""
    # Numbers start with a digit, "+" or "(": skip the case folding for them.
    first = text[:1]
    if not first or first.isdigit() or first in "+(":
        return False
    return _NOT_A_WORD_CHARACTER.sub("", text.casefold()) in WITHHELD_WORDS


def is_placeholder(digits: str) -> bool:
    """Whether the digits of a number are one of Twilio's withheld placeholders."""
    return digits in WITHHELD_PLACEHOLDER_DIGITS
