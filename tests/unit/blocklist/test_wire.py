"""The binary format: its documented layout, a lossless round trip, and refusals."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pepper.blocklist.entries import BLOCK, LABELS, EntryList, Payload, diff, from_pairs, full
from pepper.blocklist.wire import HEADER_SIZE, BadPayload, from_binary, to_binary, to_json

pairs = st.dictionaries(
    st.integers(min_value=10**9, max_value=10**15 - 1), st.integers(0, len(LABELS)), max_size=50
)


def test_the_header_and_sections_are_laid_out_as_documented() -> None:
    entries = from_pairs([447700900123, 14155550100, 14155550101], [BLOCK, 2, BLOCK])
    payload = Payload(False, np.array([12125550000], dtype=np.uint64), entries)
    data = to_binary(payload, version=7, since=5, more=True)
    assert data[:4] == b"PBL1"
    fmt, flags, n_labels, version, since, r, b, i, reserved = struct.unpack_from(
        "<BBHQQIIII", data, 4
    )
    assert (fmt, flags, n_labels, version, since, r, b, i, reserved) == (
        1, 0b10, len(LABELS), 7, 5, 1, 2, 1, 0,
    )  # fmt: skip
    at = HEADER_SIZE
    for label in LABELS:
        assert data[at] == len(label.encode())
        assert data[at + 1 : at + 1 + data[at]].decode() == label
        at += 1 + data[at]
    assert struct.unpack_from("<Q", data, at)[0] == 12125550000
    assert struct.unpack_from("<QQ", data, at + 8) == (14155550101, 447700900123)
    assert struct.unpack_from("<QB", data, at + 24) == (14155550100, 2)
    assert len(data) == at + 33


@given(old=pairs, new=pairs, more=st.booleans())
def test_binary_round_trips_full_lists_and_deltas(
    old: dict[int, int], new: dict[int, int], more: bool
) -> None:
    before = from_pairs(list(old), list(old.values()))
    after = from_pairs(list(new), list(new.values()))
    for payload in (full(after), diff(before, after)):
        decoded = from_binary(to_binary(payload, version=9, since=3, more=more))
        assert (decoded.version, decoded.since, decoded.more) == (9, 3, more)
        assert decoded.payload.full == payload.full
        assert decoded.payload.remove.tolist() == payload.remove.tolist()
        assert decoded.payload.entries.same_as(payload.entries)


def test_json_lists_block_and_identification_entries_apart() -> None:
    entries = EntryList(np.array([5, 6, 7], dtype=np.uint64), np.array([1, 0, 3], dtype=np.uint8))
    body = to_json(full(entries))
    assert body["block"] == [6]
    assert body["identify"] == [5, 7]
    assert [body["labels"][i] for i in body["identify_labels"]] == [LABELS[0], LABELS[2]]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PBL2" + bytes(36),
        to_binary(full(from_pairs([1], [0])), version=1, since=0, more=False)[:-1],
    ],
)
def test_anything_else_is_refused(data: bytes) -> None:
    with pytest.raises(BadPayload):
        from_binary(data)
