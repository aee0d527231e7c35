"""Phone numbers: normalising caller IDs and the number ranges they belong to.

Pure code: imports only the standard library and ``phonenumbers`` (never its geocoder
or carrier modules, which cost ~100 MiB per process).
"""

from __future__ import annotations

from pepper.numbers.errors import REJECT_REASONS, InvalidNumber
from pepper.numbers.normalize import classify_for_import, normalize
from pepper.numbers.number import NormalizedNumber, NumberType
from pepper.numbers.ranges import range_keys

__all__ = [
    "REJECT_REASONS",
    "InvalidNumber",
    "NormalizedNumber",
    "NumberType",
    "classify_for_import",
    "normalize",
    "range_keys",
]
