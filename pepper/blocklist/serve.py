"""Answering ``GET /v1/blocklist``: pick the artifact, fold in personal lists, page, encode.

Sync tokens. The answer names the list a client now holds as ``<version>``, or
``<version>.<fingerprint>`` when the device's personal lists shaped it (its allow list
always removes entries; its exact block entries are merged on request). A client sends
the token back as ``since``. A delta is only correct between two lists made with the
same personal lists, so when the fingerprint differs (an entry was added or removed
since) the answer is the full list; otherwise it is the stored delta between the two
global versions with the personal numbers taken out of it, which equals the delta
between the two personal lists: those numbers are absent (allowed) or blocked
(merged) in both.

Artifacts are immutable, so a per-process cache keyed by (version, country, since)
can never serve a stale one; the common request (no personal lists, whole binary, gzip)
is answered with the stored bytes untouched.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pepper.blocklist import storage, wire
from pepper.blocklist.entries import (
    BLOCK,
    EMPTY,
    EntryList,
    Payload,
    chunk,
    from_pairs,
    in_ranges,
    prefix_ranges,
)
from pepper.blocklist.numbers import country_codes, listable
from pepper.blocklist.publish import decode
from pepper.blocklist.storage import PersonalEntry
from pepper.db import UnitOfWork
from pepper.errors import NotFound, PepperError

DYNAMIC_GZIP_LEVEL = 1  # per-request encodings: speed over the last few percent
CACHE_BYTES = 256 * 1024 * 1024
BINARY = "application/vnd.pepper.blocklist"
JSON = "application/json"


class CursorExpired(PepperError):
    status = 410
    code = "cursor_expired"
    title = "The list this cursor pages through changed or is no longer kept"


class BadToken(PepperError):
    status = 422
    code = "invalid_sync_token"
    title = "Not a sync token or cursor this server issued"


@dataclass(frozen=True, slots=True)
class Ask:
    device_id: int
    country_code: int
    since: str | None
    fmt: str  # "json" | "binary"
    chunk: int | None
    cursor: str | None
    personal: bool
    gzip: bool
    if_none_match: str | None


@dataclass(slots=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Stored:
    payload: Payload
    blob: bytes  # gzip of the binary encoding, as stored


class ArtifactCache:
    """Decoded artifacts of this process, least recently used dropped beyond a byte budget."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[Any, ...], tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: tuple[Any, ...], value: Any, size: int) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped


def fingerprint(entries: Sequence[PersonalEntry]) -> str:
    """A short, stable name for the personal entries that shape a device's list."""
    if not entries:
        return ""
    text = "\n".join(f"{e.kind}:{e.digits}{'*' if e.is_prefix else ''}" for e in entries)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _parse_token(token: str) -> tuple[int, str]:
    version, _, fp = token.partition(".")
    if not version.isdigit() or len(version) > 12 or not (fp == "" or fp.isalnum()):
        raise BadToken("since must be a sync_token from an earlier answer")
    return int(version), fp


def _make_cursor(to: int, since: int, fp: str, offset: int) -> str:
    return f"{to}-{since}-{fp or '0'}-{offset}"


def _parse_cursor(cursor: str) -> tuple[int, int, str, int]:
    parts = cursor.split("-")
    if len(parts) != 4 or not all(p.isalnum() for p in parts):
        raise BadToken("cursor must be a next_cursor from an earlier answer")
    to, since, fp, offset = parts
    if not (to.isdigit() and since.isdigit() and offset.isdigit()) or len(offset) > 12:
        raise BadToken("cursor must be a next_cursor from an earlier answer")
    return int(to), int(since), "" if fp == "0" else fp, int(offset)


def answer(
    uow: UnitOfWork, cache: ArtifactCache, ask: Ask, *, refresh_s: int, jitter: float
) -> Answer:
    """The block-list answer for one device's request (never recomputes a list)."""
    session = uow.session
    latest = storage.latest_version(session)
    if latest is None:
        raise NotFound("no block list has been published yet")
    entries = [
        e
        for e in storage.personal_entries(session, ask.device_id)
        if e.kind == "allow" or (ask.personal and not e.is_prefix)
    ]
    fp = fingerprint(entries)
    to, offset = latest, 0
    retained = set(storage.versions(session))
    since = _since(ask.since, fp, to, retained)
    if (
        since
        and since != to
        and not storage.has_artifact(
            session, version=to, country_code=ask.country_code, since=since
        )
    ):
        since = 0  # no delta was built from there (a country new to the list, say)
    if ask.cursor is not None:
        to, since, cursor_fp, offset = _parse_cursor(ask.cursor)
        if cursor_fp != fp or to not in retained or (since and since not in retained):
            raise CursorExpired("start again without a cursor")
    token = f"{to}.{fp}" if fp else str(to)
    etag = _etag(token, since, ask, offset)
    headers = _freshness(etag, token, refresh_s, jitter)
    model_version = _model_version(session, cache, to)
    headers["Pepper-Model-Version"] = model_version
    if ask.if_none_match is not None and etag in _etags(ask.if_none_match):
        return Answer(304, headers=headers)
    stored = _load(session, cache, to, ask.country_code, since)
    payload = stored.payload if not entries else _personal(stored.payload, entries, ask)
    more_at: int | None = None
    if ask.chunk is not None:
        payload, more_at = chunk(payload, offset, ask.chunk)
    cursor = None if more_at is None else _make_cursor(to, since, fp, more_at)
    if cursor is not None:
        headers["Pepper-Next-Cursor"] = cursor
    meta = {
        "version": to, "since": since, "sync_token": token, "next_cursor": cursor,
        "model_version": model_version,
    }  # fmt: skip
    if ask.fmt == "binary":
        if payload is stored.payload and ask.gzip:
            body, encoded = stored.blob, True  # the stored bytes, untouched
        else:
            body = wire.to_binary(payload, version=to, since=since, more=cursor is not None)
            body, encoded = _maybe_gzip(body, ask.gzip)
        content_type = BINARY
    else:
        body, encoded = _json(cache, payload, stored, meta, ask)
        content_type = JSON
    if encoded:
        headers["Content-Encoding"] = "gzip"
    return Answer(200, body, content_type, headers)


def _since(raw: str | None, fp: str, to: int, retained: set[int]) -> int:
    """The version to send a delta from, or 0 for the full list."""
    if raw is None:
        return 0
    version, their_fp = _parse_token(raw)
    if their_fp != fp or version > to or (version != to and version not in retained):
        return 0  # personal lists changed, or too old, or not ours: start over
    return version


def _etag(token: str, since: int, ask: Ask, offset: int) -> str:
    key = f"{token}|{since}|{ask.country_code}|{ask.fmt}|{ask.chunk}|{offset}|{ask.gzip}"
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


def _freshness(etag: str, token: str, refresh_s: int, jitter: float) -> dict[str, str]:
    # Jitter spreads a fleet's next checks over jitter x refresh_s, so that a publish or
    # a restart does not bring every phone back in the same minute.
    wait = int(refresh_s * (1.0 + jitter * random.random()))  # noqa: S311 - not a secret
    return {
        "ETag": etag,
        "Cache-Control": "private, no-cache",
        "Vary": "Authorization, Accept-Encoding",
        "Pepper-Sync-Token": token,
        "Pepper-Next-Check": str(int(time.time()) + wait),
    }


def _model_version(session: Any, cache: ArtifactCache, version: int) -> str:
    """Which model ranked a version (immutable, so cached like the artifacts)."""
    key = ("model", version)
    found = cache.get(key)
    if isinstance(found, str):
        return found
    name = storage.model_version(session, version) or "unknown"
    cache.put(key, name, len(name))
    return name


def _load(session: Any, cache: ArtifactCache, to: int, country: int, since: int) -> _Stored:
    key = ("stored", to, country, since)
    found = cache.get(key)
    if isinstance(found, _Stored):
        return found
    blob = None
    if since != to:
        blob = storage.artifact(session, version=to, country_code=country, since=since)
    if blob is not None:
        stored = _Stored(decode(blob).payload, blob)
    else:
        # Nothing changed (since == to), or a country nobody listed a number of.
        empty = Payload(since == 0, EMPTY.numbers, EMPTY)
        raw = wire.to_binary(empty, version=to, since=since, more=False)
        stored = _Stored(empty, _maybe_gzip(raw, True)[0])
    size = len(stored.blob) + 9 * stored.payload.size
    cache.put(key, stored, size)
    return stored


def _personal(payload: Payload, entries: Sequence[PersonalEntry], ask: Ask) -> Payload:
    """The payload as this device's lists shape it (see the module docstring)."""
    ranges: list[tuple[int, int]] = []
    blocked: list[int] = []
    for e in entries:
        if e.kind == "allow":
            exact = int(e.digits)
            ranges.extend(prefix_ranges(e.digits) if e.is_prefix else [(exact, exact + 1)])
        else:
            blocked.append(int(e.digits))
    block = np.array(sorted(set(blocked)), dtype=np.uint64)
    if block.size:
        block = block[listable(block) & (country_codes(block) == ask.country_code)]
        block = block[~in_ranges(block, ranges)]  # the allow list wins, as in the decision
        ranges.extend((int(n), int(n) + 1) for n in block.tolist())
    n = payload.entries
    keep = ~in_ranges(n.numbers, ranges)
    remove = payload.remove[~in_ranges(payload.remove, ranges)]
    kept = EntryList(n.numbers[keep], n.codes[keep])
    if payload.full and block.size:
        merged = from_pairs(
            np.concatenate((kept.numbers, block)),
            np.concatenate((kept.codes, np.full(block.size, BLOCK, dtype=np.uint8))),
        )
        return Payload(True, remove, merged)
    return Payload(payload.full, remove, kept)


def _maybe_gzip(body: bytes, accepted: bool) -> tuple[bytes, bool]:
    if not accepted:
        return body, False
    return gzip.compress(body, compresslevel=DYNAMIC_GZIP_LEVEL, mtime=0), True


def _json(
    cache: ArtifactCache,
    payload: Payload,
    stored: _Stored,
    meta: dict[str, Any],
    ask: Ask,
) -> tuple[bytes, bool]:
    shared = payload is stored.payload
    key = ("json", meta["version"], ask.country_code, meta["since"], meta["sync_token"], ask.gzip)
    if shared:
        found = cache.get(key)
        if isinstance(found, bytes):
            return found, ask.gzip
    body = {**meta, "country_code": ask.country_code, **wire.to_json(payload)}
    raw = json.dumps(body, separators=(",", ":")).encode()
    encoded, compressed = _maybe_gzip(raw, ask.gzip)
    if shared:
        cache.put(key, encoded, len(encoded))
    return encoded, compressed
