"""The number ranges a number belongs to, for range reputation.

Robocall campaigns rarely reuse a number but rotate through numbers of the same blocks,
so reputation is also kept per range. The ranges follow how numbers are handed out:

* NANP (+1): the exchange, NPA-NXX (first 6 digits, 10,000 numbers), and the
  thousands-block (first 7 digits), the unit in which US numbers are pooled and assigned
  to carriers.
* Elsewhere there is no such common plan, so the same two sizes are taken by length:
  the national number without its last 4 digits (a block of 10,000) and without its
  last 3 (a block of 1,000). A prefix shorter than 2 digits would be a whole numbering
  area, so for very short national numbers the larger range is left out.

Keys look like "+1:415555", "+1:4155550" and "+44:207946", "+44:2079460".
"""

from __future__ import annotations

from pepper.numbers.number import NormalizedNumber

_NANP_PREFIXES = (6, 7)
_BLOCK_SUFFIXES = (4, 3)  # digits dropped from the end: blocks of 10,000 and 1,000
_MIN_PREFIX = 2


def range_keys(n: NormalizedNumber) -> tuple[str, ...]:
    """Keys of the ranges `n` belongs to; empty for withheld, short or impossible numbers."""
    if n.withheld or n.short_code or not n.is_possible:
        return ()
    if n.country_code is None or not n.national_number or n.e164 is None:
        return ()
    national = n.national_number
    if n.country_code == 1:
        lengths: tuple[int, ...] = _NANP_PREFIXES
    else:
        lengths = tuple(len(national) - suffix for suffix in _BLOCK_SUFFIXES)
    return tuple(
        f"+{n.country_code}:{national[:length]}"
        for length in lengths
        if _MIN_PREFIX <= length < len(national)
    )
