"""Published lists as sorted arrays: versions, deltas between them, and paging.

Pure numpy, no I/O. A list is two parallel arrays: ``numbers``, E.164 digits as
unsigned 64-bit integers (``+14155550123`` is ``14155550123``: what iOS's
``CXCallDirectoryPhoneNumber`` holds), strictly ascending; and ``codes``, one byte per
number: ``BLOCK`` (0) for the block list, or ``1 + i`` for an identification entry
labelled ``LABELS[i]``. E.164 numbers never start with 0, so the integer keeps every
digit and its digit count.

A ``Payload`` is what a client receives: either the full list, or a delta from an
older version made of ``remove`` (numbers no longer listed) and the entries that are
new or whose kind or label changed. Applying a payload (``apply``) is what a client
does, and it is the definition the tests hold every delta to: full list + any chain of
deltas == the latest full list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

Numbers: TypeAlias = NDArray[np.uint64]
Codes: TypeAlias = NDArray[np.uint8]

BLOCK = 0
# Identification labels, in code order (code = 1 + index). Appending is compatible with
# clients; reordering is not: the code is what the binary format carries.
LABELS: tuple[str, ...] = (
    "Spam Likely",
    "Scam Likely",
    "Telemarketer",
    "Debt Collector",
    "Political",
    "Survey",
)
MAX_E164_DIGITS = 15

_EMPTY_NUMBERS: Numbers = np.zeros(0, dtype=np.uint64)
_EMPTY_CODES: Codes = np.zeros(0, dtype=np.uint8)


def label_code(label: str) -> int:
    """The code of an identification label (``ValueError`` for an unknown one)."""
    return 1 + LABELS.index(label)


@dataclass(frozen=True, eq=False)
class EntryList:
    """One version of a list: strictly ascending numbers, one code each."""

    numbers: Numbers
    codes: Codes

    def __post_init__(self) -> None:
        if self.numbers.dtype != np.uint64 or self.codes.dtype != np.uint8:
            raise ValueError("numbers must be uint64 and codes uint8")
        if self.numbers.shape != self.codes.shape or self.numbers.ndim != 1:
            raise ValueError("numbers and codes must be one-dimensional and of equal length")
        if self.numbers.size > 1 and not bool(np.all(self.numbers[1:] > self.numbers[:-1])):
            raise ValueError("numbers must be strictly ascending")

    def __len__(self) -> int:
        return int(self.numbers.size)

    def same_as(self, other: EntryList) -> bool:
        return bool(
            np.array_equal(self.numbers, other.numbers) and np.array_equal(self.codes, other.codes)
        )

    def as_dict(self) -> dict[int, int]:
        return dict(zip(self.numbers.tolist(), self.codes.tolist(), strict=True))


EMPTY = EntryList(_EMPTY_NUMBERS, _EMPTY_CODES)


def from_pairs(numbers: Any, codes: Any) -> EntryList:
    """Sort unsorted entries; a number listed twice keeps its first code (stable sort)."""
    n = np.asarray(numbers, dtype=np.uint64)
    c = np.asarray(codes, dtype=np.uint8)
    order = np.argsort(n, kind="stable")
    n, c = n[order], c[order]
    if n.size:
        first = np.concatenate(([True], n[1:] != n[:-1]))
        n, c = n[first], c[first]
    return EntryList(n, c)


def _member(sorted_haystack: Numbers, needles: Numbers) -> NDArray[np.intp]:
    """For each needle, its index in the haystack, or -1 when absent."""
    if sorted_haystack.size == 0:
        return np.full(needles.shape, -1, dtype=np.intp)
    idx = np.searchsorted(sorted_haystack, needles)
    idx_clipped = np.minimum(idx, sorted_haystack.size - 1)
    found = sorted_haystack[idx_clipped] == needles
    return np.where(found, idx_clipped, -1)


@dataclass(frozen=True, eq=False)
class Payload:
    """A full list (``full``) or a delta: tombstones, then new or changed entries."""

    full: bool
    remove: Numbers  # ascending; empty for a full list
    entries: EntryList  # ascending; the whole list when full

    @property
    def size(self) -> int:
        return int(self.remove.size) + len(self.entries)


def full(entries: EntryList) -> Payload:
    return Payload(True, _EMPTY_NUMBERS, entries)


def diff(old: EntryList, new: EntryList) -> Payload:
    """The delta that turns ``old`` into ``new``."""
    at_old = _member(old.numbers, new.numbers)
    present = at_old >= 0
    unchanged = present.copy()
    unchanged[present] = old.codes[at_old[present]] == new.codes[present]
    changed = ~unchanged
    gone = _member(new.numbers, old.numbers) < 0
    return Payload(False, old.numbers[gone], EntryList(new.numbers[changed], new.codes[changed]))


def apply(base: EntryList, payload: Payload) -> EntryList:
    """What a client does with a payload: replace its list, or apply the delta."""
    if payload.full:
        return payload.entries
    dropped = np.concatenate((payload.remove, payload.entries.numbers))
    keep = _member(np.sort(dropped), base.numbers) < 0
    numbers = np.concatenate((base.numbers[keep], payload.entries.numbers))
    codes = np.concatenate((base.codes[keep], payload.entries.codes))
    order = np.argsort(numbers, kind="stable")
    return EntryList(numbers[order], codes[order])


def prefix_ranges(prefix_digits: str) -> list[tuple[int, int]]:
    """Half-open integer ranges holding every E.164 number that starts with these digits.

    One range per possible total length: 1415555 covers 1415555 itself, 14155550..14155559,
    and so on up to 15 digits. Numbers of different lengths never share a range.
    """
    if not prefix_digits.isdigit() or prefix_digits[0] == "0":
        raise ValueError("a prefix is digits not starting with 0")
    p, width = int(prefix_digits), len(prefix_digits)
    return [(p * 10**k, (p + 1) * 10**k) for k in range(MAX_E164_DIGITS - width + 1)]


def in_ranges(numbers: Numbers, ranges: list[tuple[int, int]]) -> NDArray[np.bool_]:
    """Which of the (ascending) numbers fall into any of the half-open ranges."""
    hit = np.zeros(numbers.shape, dtype=np.bool_)
    for lo, hi in ranges:
        start, stop = np.searchsorted(numbers, np.array([lo, hi], dtype=np.uint64))
        hit[start:stop] = True
    return hit


def without(entries: EntryList, mask: NDArray[np.bool_]) -> EntryList:
    keep = ~mask
    return EntryList(entries.numbers[keep], entries.codes[keep])


def chunk(payload: Payload, offset: int, size: int) -> tuple[Payload, int | None]:
    """Entries ``offset`` to ``offset + size`` of the payload, and the next offset or None.

    The order is tombstones first, then entries, each ascending: a client that applies
    pages in order ends where it would with the whole payload, because a number is
    either removed or (re)written, never both.
    """
    removes = int(payload.remove.size)
    end = offset + size
    r_from, r_to = min(offset, removes), min(end, removes)
    e_from, e_to = max(offset - removes, 0), max(end - removes, 0)
    n = payload.entries
    # Only the first page of a full list replaces the client's list; later pages add to it.
    page = Payload(
        payload.full and offset == 0,
        payload.remove[r_from:r_to],
        EntryList(n.numbers[e_from:e_to], n.codes[e_from:e_to]),
    )
    return page, (end if end < payload.size else None)
