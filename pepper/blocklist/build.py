"""Which numbers go into the published lists: pure selection over arrays of evidence.

A number is listed when the decision would act on it for a device of the configured
sensitivity (``PEPPER_BLOCKLIST_SENSITIVITY``, normal) with nothing but its score:
at or above the block threshold it goes into the block list, between the silence and
the block threshold into the identification list with the label a silenced call shows
("Scam Likely" for fraud, ...). Trusted numbers are never listed (the decision never
acts on their score), operator labels win (cleared numbers are never listed, blocked
ones are blocked), and only possible numbers that are not emergency or service numbers
are listed (``pepper.blocklist.numbers.listable``). Each country calling code gets its
own list, bounded in size: the most certain entries (highest p_spam) are kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pepper.blocklist import numbers as nums
from pepper.blocklist.entries import (
    BLOCK,
    EntryList,
    Numbers,
    in_ranges,
    label_code,
    prefix_ranges,
)
from pepper.blocklist.scoring import Floats, Rows, score
from pepper.reputation import ReputationParams
from pepper.screening.policy import label_for
from pepper.screening.types import Action, Thresholds


@dataclass(frozen=True, eq=False)
class Evidence:
    """Every number with a counter row, its row, and its ranges' rows (widest first)."""

    numbers: Numbers  # E.164 digits, any order, unique
    own: Rows
    ranges: tuple[Rows, ...]
    # The dominant reported category of a number (pepper.reputation.dominant_category).
    categories: Mapping[int, str]
    # spam_n + ham_n + complaint_n of the own row, then of each range row: the model's
    # event counts (reputation reads spam_n alone).
    events: tuple[Floats, ...] = ()


@dataclass(frozen=True, slots=True)
class OperatorLabel:
    """An admin label as the selection needs it: digits (a prefix when ``is_prefix``)."""

    digits: str
    is_prefix: bool
    verdict: str  # "allow" | "block"
    category: str | None


@dataclass(frozen=True, slots=True)
class Selection:
    thresholds: Thresholds
    max_entries: int  # per country calling code


Row = tuple[float, ...]  # digits, spam_w, ham_w, complaint_w, spam_n, ref_epoch[, events]


def _matrix(rows: Sequence[Row]) -> tuple[Numbers, Floats, Floats]:
    """(digits, the five reputation columns, events: spam_n when a row has no 7th value)."""
    width = len(rows[0]) if rows else 6
    m = np.array(rows, dtype=np.float64).reshape(-1, width)
    keys = np.array([r[0] for r in rows], dtype=np.uint64)
    return keys, m[:, 1:6], m[:, 6] if width > 6 else m[:, 4]


def evidence_from_rows(
    number_rows: Sequence[Row],
    range_rows: Sequence[Row],
    categories: Mapping[int, str],
    extra: Numbers | None = None,
) -> Evidence:
    """Columns from rows of (digits, spam_w, ham_w, complaint_w, spam_n, ref_epoch[,
    events]); ``extra`` numbers without a row of their own join with no own row."""
    numbers, own, own_events = _matrix(number_rows)
    present = np.ones(numbers.size, dtype=np.bool_)
    if extra is not None and extra.size:
        new = np.setdiff1d(extra.astype(np.uint64), numbers)
        numbers = np.concatenate((numbers, new))
        own = np.concatenate((own, np.zeros((new.size, 5))))
        own_events = np.concatenate((own_events, np.zeros(new.size)))
        present = np.concatenate((present, np.zeros(new.size, dtype=np.bool_)))
    range_keys, ranges, range_events = _matrix(range_rows)
    order = np.argsort(range_keys)
    range_keys, ranges, range_events = range_keys[order], ranges[order], range_events[order]
    codes = nums.country_codes(numbers)
    joined, events = [], [own_events]
    for ids, has in nums.range_ids(numbers, codes):
        at = np.searchsorted(range_keys, ids)
        at = np.minimum(at, max(range_keys.size - 1, 0))
        found = has & (range_keys.size > 0)
        if range_keys.size:
            found &= range_keys[at] == ids
        matrix = ranges[at] if range_keys.size else np.zeros((numbers.size, 5))
        joined.append(Rows.from_matrix(found, matrix))
        events.append(range_events[at] if range_keys.size else np.zeros(numbers.size))
    return Evidence(
        numbers=numbers,
        own=Rows.from_matrix(present, own),
        ranges=tuple(joined),
        categories=categories,
        events=tuple(events),
    )


def _codes_for(
    evidence: Evidence, p_spam: Floats, robocall: NDArray[np.bool_], block_at: float
) -> NDArray[np.uint8]:
    """Block, or the identification label a silenced call with this category shows."""
    default = label_code(_label(None))
    robocall_code = label_code(_label("robocall"))
    codes = np.where(robocall, robocall_code, default).astype(np.uint8)
    own = evidence.own
    has_spam = (own.spam_w > 0) | (own.spam_n > 0)
    if evidence.categories:
        at = {int(n): i for i, n in enumerate(evidence.numbers.tolist())}
        for number, category in evidence.categories.items():
            i = at.get(number)
            if i is not None and has_spam[i]:
                codes[i] = label_code(_label(category))
    return np.where(p_spam >= block_at, BLOCK, codes).astype(np.uint8)


def _label(category: str | None) -> str:
    label = label_for(category, Action.SILENCE)
    assert label is not None  # a silenced call always shows a label
    return label


def select(
    evidence: Evidence,
    labels: Sequence[OperatorLabel],
    *,
    now: float,
    params: ReputationParams,
    selection: Selection,
    p_spam: Floats | None = None,
) -> dict[int, EntryList]:
    """The list of each country calling code, from evidence and operator labels.

    ``p_spam`` replaces the reputation probability when a model scored the numbers
    (reputation still decides trust and the category, as in the decision).
    """
    scores = score(evidence.own, evidence.ranges, now, params)
    p = scores.p_spam if p_spam is None else p_spam
    numbers = evidence.numbers
    codes = _codes_for(evidence, p, scores.robocall, selection.thresholds.block)
    keep = (p >= selection.thresholds.silence) & ~scores.trusted
    numbers, codes, p = _apply_labels(numbers[keep], codes[keep], p[keep], labels)
    ok = nums.listable(numbers)
    numbers, codes, p = numbers[ok], codes[ok], p[ok]
    countries = nums.country_codes(numbers)
    lists: dict[int, EntryList] = {}
    for country in np.unique(countries).tolist():
        mine = np.flatnonzero(countries == country)
        # Most certain first; ties broken by number, so a publish is reproducible.
        ranked = mine[np.lexsort((numbers[mine], -p[mine]))][: selection.max_entries]
        ranked = ranked[np.argsort(numbers[ranked])]
        lists[int(country)] = EntryList(numbers[ranked], codes[ranked])
    return lists


def _apply_labels(
    numbers: Numbers, codes: NDArray[np.uint8], p: Floats, labels: Sequence[OperatorLabel]
) -> tuple[Numbers, NDArray[np.uint8], Floats]:
    """Operator labels: exact blocks are listed whatever their evidence; prefix blocks
    block the numbers with evidence under them; clearances remove, exact or prefix."""
    order = np.argsort(numbers)
    numbers, codes, p = numbers[order], codes[order], p[order].copy()
    extra = [
        int(label.digits) for label in labels if label.verdict == "block" and not label.is_prefix
    ]
    if extra:
        new = np.setdiff1d(np.array(extra, dtype=np.uint64), numbers)
        numbers = np.concatenate((numbers, new))
        codes = np.concatenate((codes, np.full(new.size, BLOCK, dtype=np.uint8)))
        p = np.concatenate((p, np.ones(new.size)))
        order = np.argsort(numbers)
        numbers, codes, p = numbers[order], codes[order], p[order]
    # Longer (more specific) labels are applied last and win, as in the decision.
    for label in sorted(labels, key=lambda lb: (not lb.is_prefix, len(lb.digits))):
        hit = in_ranges(numbers, _label_ranges(label))
        if label.verdict == "block":
            codes = np.where(hit, BLOCK, codes).astype(np.uint8)
            p = np.where(hit, 1.0, p)
        elif label.verdict == "allow":
            p = np.where(hit, -1.0, p)  # marked, dropped below
    keep = p >= 0
    return numbers[keep], codes[keep], p[keep]


def _label_ranges(label: OperatorLabel) -> list[tuple[int, int]]:
    if label.is_prefix:
        return prefix_ranges(label.digits)
    value = int(label.digits)
    return [(value, value + 1)]
