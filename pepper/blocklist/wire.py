"""The two wire formats of a payload: JSON, and a compact binary format.

Binary layout (all integers little-endian; README "Block-list sync" documents it too):

    offset  size  field
    0       4     magic b"PBL1"
    4       1     format version, 1
    5       1     flags: bit 0 = full list (replace the local list), bit 1 = more pages
    6       2     L, number of labels (u16)
    8       8     version of the list (u64)
    16      8     since: the version this delta starts from, 0 for a full list (u64)
    24      4     R, tombstones (u32)
    28      4     B, block entries (u32)
    32      4     I, identification entries (u32)
    36      4     reserved, 0
    40      ...   L labels, each a u8 length then that many UTF-8 bytes; label i is code i+1
    ...     8R    tombstones, u64 ascending
    ...     8B    block entries, u64 ascending
    ...     8I    identification entries, u64 ascending
    ...     I     each identification entry's label code (u8), in the same order

Numbers are E.164 digits as integers (``+14155550123`` is 14155550123). The arrays are
written with numpy's ``tobytes`` and read with ``frombuffer``: no per-entry work.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from pepper.blocklist.entries import BLOCK, LABELS, EntryList, Payload

MAGIC = b"PBL1"
FORMAT_VERSION = 1
FLAG_FULL = 1
FLAG_MORE = 2
_HEADER = struct.Struct("<4sBBHQQIIII")
HEADER_SIZE = _HEADER.size  # 40
_U64 = np.dtype("<u8")


class BadPayload(ValueError):
    """Bytes that are not a payload of this format."""


@dataclass(frozen=True, slots=True)
class Decoded:
    version: int
    since: int
    more: bool
    payload: Payload


def split(entries: EntryList) -> tuple[Any, Any, Any]:
    """(block numbers, identification numbers, their codes), each ascending."""
    is_block = entries.codes == BLOCK
    identify = ~is_block
    return entries.numbers[is_block], entries.numbers[identify], entries.codes[identify]


def to_binary(payload: Payload, *, version: int, since: int, more: bool) -> bytes:
    block, identify, codes = split(payload.entries)
    labels = b"".join(bytes([len(b)]) + b for b in (label.encode() for label in LABELS))
    flags = (FLAG_FULL if payload.full else 0) | (FLAG_MORE if more else 0)
    header = _HEADER.pack(
        MAGIC, FORMAT_VERSION, flags, len(LABELS), version, since,
        payload.remove.size, block.size, identify.size, 0,
    )  # fmt: skip
    return b"".join(
        (
            header,
            labels,
            payload.remove.astype(_U64).tobytes(),
            block.astype(_U64).tobytes(),
            identify.astype(_U64).tobytes(),
            codes.tobytes(),
        )
    )


def from_binary(data: bytes) -> Decoded:
    """Read a binary payload (what a client does); ``BadPayload`` for anything else."""
    if len(data) < HEADER_SIZE:
        raise BadPayload("shorter than the header")
    magic, fmt, flags, n_labels, version, since, n_remove, n_block, n_identify, _ = (
        _HEADER.unpack_from(data)
    )
    if magic != MAGIC or fmt != FORMAT_VERSION:
        raise BadPayload("not a PBL1 payload")
    at = HEADER_SIZE
    labels = []
    for _ in range(n_labels):
        if at >= len(data):
            raise BadPayload("truncated label table")
        size = data[at]
        labels.append(data[at + 1 : at + 1 + size].decode())
        at += 1 + size
    expected = at + 8 * (n_remove + n_block + n_identify) + n_identify
    if len(data) != expected:
        raise BadPayload(f"{len(data)} bytes, the header describes {expected}")

    def numbers(count: int) -> Any:
        nonlocal at
        array = np.frombuffer(data, dtype=_U64, count=count, offset=at).astype(np.uint64)
        at += 8 * count
        return array

    remove, block, identify = numbers(n_remove), numbers(n_block), numbers(n_identify)
    codes = np.frombuffer(data, dtype=np.uint8, count=n_identify, offset=at)
    if codes.size and (codes.min() < 1 or codes.max() > len(labels)):
        raise BadPayload("a label code outside the label table")
    entries = merge(block, identify, codes)
    return Decoded(
        version, since, bool(flags & FLAG_MORE), Payload(bool(flags & FLAG_FULL), remove, entries)
    )


def merge(block: Any, identify: Any, codes: Any) -> EntryList:
    numbers = np.concatenate((block, identify)).astype(np.uint64)
    all_codes = np.concatenate((np.full(block.size, BLOCK, dtype=np.uint8), codes))
    order = np.argsort(numbers, kind="stable")
    return EntryList(numbers[order], all_codes[order].astype(np.uint8))


def to_json(payload: Payload) -> dict[str, Any]:
    """The JSON body's list fields: tombstones, block and identification entries."""
    block, identify, codes = split(payload.entries)
    return {
        "full": payload.full,
        "labels": list(LABELS),
        "remove": payload.remove.tolist(),
        "block": block.tolist(),
        "identify": identify.tolist(),
        "identify_labels": (codes.astype(np.int64) - 1).tolist(),
    }
