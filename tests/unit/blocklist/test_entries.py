"""Deltas, applying them, paging: a full list plus any chain of deltas is the latest list."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pepper.blocklist.entries import (
    BLOCK,
    EMPTY,
    EntryList,
    Payload,
    apply,
    chunk,
    diff,
    from_pairs,
    full,
    in_ranges,
    prefix_ranges,
)

# Small number and code spaces, so that random versions share, change and drop entries.
numbers = st.integers(min_value=1, max_value=60).map(lambda n: 14155550000 + n)
entry_lists = st.dictionaries(numbers, st.integers(0, 3), max_size=40).map(
    lambda d: from_pairs(list(d), list(d.values()))
)


def as_list(d: dict[int, int]) -> EntryList:
    return from_pairs(list(d), list(d.values()))


def test_a_delta_holds_additions_label_changes_and_tombstones() -> None:
    old = as_list({14155550001: BLOCK, 14155550002: 1, 14155550003: 2})
    new = as_list({14155550002: 3, 14155550003: 2, 14155550004: BLOCK})
    delta = diff(old, new)
    assert not delta.full
    assert delta.remove.tolist() == [14155550001]
    assert delta.entries.as_dict() == {14155550002: 3, 14155550004: BLOCK}
    assert apply(old, delta).same_as(new)


def test_entry_lists_refuse_unsorted_or_duplicate_numbers() -> None:
    with pytest.raises(ValueError, match="ascending"):
        EntryList(np.array([2, 1], dtype=np.uint64), np.zeros(2, dtype=np.uint8))
    with pytest.raises(ValueError, match="ascending"):
        EntryList(np.array([1, 1], dtype=np.uint64), np.zeros(2, dtype=np.uint8))


@settings(max_examples=300)
@given(history=st.lists(entry_lists, min_size=1, max_size=8), start=st.integers(0, 7))
def test_full_then_any_chain_of_deltas_equals_the_latest_full_list(
    history: list[EntryList], start: int
) -> None:
    start = min(start, len(history) - 1)
    held = apply(EMPTY, full(history[start]))
    for before, after in zip(history[start:], history[start + 1 :], strict=False):
        held = apply(held, diff(before, after))
        assert bool(np.all(np.diff(held.numbers.astype(np.int64)) > 0))  # ascending, unique
    assert held.same_as(history[-1])


@settings(max_examples=200)
@given(old=entry_lists, new=entry_lists, size=st.integers(1, 7), from_full=st.booleans())
def test_pages_applied_in_order_equal_the_whole_payload(
    old: EntryList, new: EntryList, size: int, from_full: bool
) -> None:
    payload: Payload = full(new) if from_full else diff(old, new)
    held, offset, pages = old, 0, 0
    while True:
        page, next_offset = chunk(payload, offset, size)
        assert page.size <= size
        held = apply(held, page)
        pages += 1
        if next_offset is None:
            break
        offset = next_offset
    assert held.same_as(new)
    assert pages == max(1, -(-payload.size // size))


def test_prefix_ranges_cover_every_longer_number_and_nothing_else() -> None:
    ranges = prefix_ranges("1415555")
    sample = np.array(
        sorted([1415555, 14155550, 14155550123, 141555512345678, 14155560000, 1415554999]),
        dtype=np.uint64,
    )
    hit = in_ranges(sample, ranges)
    assert dict(zip(sample.tolist(), hit.tolist(), strict=True)) == {
        1415554999: False,
        1415555: True,
        14155550: True,
        14155550123: True,
        14155560000: False,
        141555512345678: True,
    }
    with pytest.raises(ValueError, match="digits"):
        prefix_ranges("0415")
