"""Number facts of a million numbers (type, validity), exactly as ``normalize`` finds them.

The model reads a number's type and validity (``extract()``: ``type_*``,
``number_valid``). ``normalize`` costs ~16 µs a number, most of it one regular
expression per number type and region, so a publish would spend 16 s on facts alone.
The same metadata patterns are folded here into one expression per region and length,
whose alternatives come in the order libphonenumber tries the types (premium rate, toll
free, ..., fixed line or mobile, fixed line, mobile); the first that matches is the
type. Regions sharing a calling code are tried in libphonenumber's order, a run of
regions decided by their leading digits as one expression. A unit test holds this to
``normalize`` on random numbers of many countries.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import phonenumbers
from numpy.typing import NDArray
from phonenumbers import PhoneMetadata, PhoneNumberDesc

from pepper.blocklist.entries import Numbers
from pepper.blocklist.numbers import country_codes, national_lengths, possible
from pepper.model.features_batch import TYPE_OTHER, type_index
from pepper.numbers import NumberType

# (metadata attribute, type), in the order _number_type_helper tries them.
_SPECIAL = (
    ("premium_rate", NumberType.PREMIUM_RATE),
    ("toll_free", NumberType.TOLL_FREE),
    ("shared_cost", NumberType.SHARED_COST),
    ("voip", NumberType.VOIP),
    ("personal_number", NumberType.PERSONAL_NUMBER),
    ("pager", NumberType.PAGER),
    ("uan", NumberType.UAN),
    ("voicemail", NumberType.VOICEMAIL),
)
_TYPES = dict(_SPECIAL) | {
    "fixed_or_mobile": NumberType.FIXED_LINE_OR_MOBILE,
    "fixed_line": NumberType.FIXED_LINE,
    "mobile": NumberType.MOBILE,
}
UNKNOWN_FACTS = (TYPE_OTHER, False)


def _desc(desc: PhoneNumberDesc | None, length: int) -> str | None:
    """The pattern a number of ``length`` digits must fully match (_is_number_matching_desc)."""
    if desc is None or not desc.national_number_pattern:
        return None
    if desc.possible_length and length not in desc.possible_length:
        return None
    return f"(?:{desc.national_number_pattern})"


@cache
def _typer(country_code: int, region: str, length: int) -> re.Pattern[str] | None:
    """One expression whose first matching named alternative is the number's type."""
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return None
    general = _desc(metadata.general_desc, length)
    if general is None:
        return None
    branches = [
        f"(?P<{name}>{pattern})"
        for name, _ in _SPECIAL
        if (pattern := _desc(getattr(metadata, name), length)) is not None
    ]
    fixed, mobile = _desc(metadata.fixed_line, length), _desc(metadata.mobile, length)
    same = metadata.same_mobile_and_fixed_line_pattern
    if fixed is not None:
        if same:
            branches.append(f"(?P<fixed_or_mobile>{fixed})")
        elif mobile is not None:
            branches.append(f"(?P<fixed_or_mobile>(?={mobile}$){fixed})")
        branches.append(f"(?P<fixed_line>{fixed})")
    if mobile is not None and not same:
        branches.append(f"(?P<mobile>{mobile})")
    if not branches:
        return None
    return re.compile(f"(?={general}$)(?:{'|'.join(branches)})")


def _type_of(typer: re.Pattern[str] | None, national: str) -> NumberType:
    m = None if typer is None else typer.fullmatch(national)
    if m is None:
        return NumberType.UNKNOWN
    for name, value in m.groupdict().items():
        if value is not None and name in _TYPES:
            return _TYPES[name]
    return NumberType.UNKNOWN  # pragma: no cover - some alternative matched


Step = tuple[re.Pattern[str] | None, tuple[str, ...]]


@cache
def _plan(country_code: int) -> tuple[Step, ...]:
    """The regions of a shared calling code in order: (None, (metadata,)) for a region
    that is tried by its type, (leading digits, regions) for a run decided by them."""
    steps: list[Step] = []
    run: list[tuple[str, str]] = []

    def close() -> None:
        if run:
            alternatives = "|".join(f"(?P<r{i}>{ld})" for i, (ld, _) in enumerate(run))
            steps.append((re.compile(alternatives), tuple(r for _, r in run)))
            run.clear()

    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
        metadata = PhoneMetadata.metadata_for_region(region)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            run.append((metadata.leading_digits, region))
        else:
            close()
            steps.append((None, (region,)))
    close()
    return tuple(steps)


def _shared_code_types(country_code: int, nationals: list[str]) -> list[NumberType]:
    """_region_and_type of possible numbers of a calling code with several regions."""
    length = len(nationals[0])
    types = [NumberType.UNKNOWN] * len(nationals)
    remaining = list(range(len(nationals)))
    for leading, regions in _plan(country_code):
        if not remaining:
            break
        undecided = []
        if leading is None:
            typer = _typer(country_code, regions[0], length)
            for i in remaining:
                t = _type_of(typer, nationals[i])
                if t is NumberType.UNKNOWN:
                    undecided.append(i)
                types[i] = t
        else:
            for i in remaining:
                m = leading.match(nationals[i])
                if m is None:
                    undecided.append(i)
                    continue
                at = next(int(k[1:]) for k, v in m.groupdict().items() if v is not None)
                types[i] = _type_of(_typer(country_code, regions[at], length), nationals[i])
        remaining = undecided
    return types


def _single_code_types(country_code: int, nationals: list[str]) -> list[NumberType]:
    region = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[country_code][0]
    typer = _typer(country_code, region, len(nationals[0]))
    return [_type_of(typer, national) for national in nationals]


def number_facts(numbers: Numbers) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Each number's type column (``features_batch.type_index``) and whether it is
    valid, as ``normalize("+" + digits)`` says; unknown calling codes are invalid."""
    codes = country_codes(numbers)
    widths = national_lengths(numbers, codes)
    ok = possible(numbers, codes)
    types = np.full(numbers.shape, TYPE_OTHER, dtype=np.int64)
    valid = np.zeros(numbers.shape, dtype=np.bool_)
    groups = codes * 100 + np.clip(widths, 0, 99)
    for group in np.unique(groups[ok & (codes > 0) & (widths > 0)]).tolist():
        code, width = divmod(int(group), 100)
        at = np.flatnonzero((groups == group) & ok)
        nationals = [str(n)[-width:] for n in numbers[at].tolist()]
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ())
        found = (_single_code_types if len(regions) == 1 else _shared_code_types)(code, nationals)
        types[at] = [type_index(t) for t in found]
        valid[at] = [t is not NumberType.UNKNOWN for t in found]
    return types, valid
