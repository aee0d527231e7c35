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

Without the database (``answer_cached``, production with Redis), a process answers from
that cache for the newest version it has seen, shaped by the Redis copy of the device's
lists (pepper/standby/lists.py), whose fingerprint the token carries as always: a delta
it can serve stays correct, and a later live answer sees a different fingerprint and
sends the full list. Without a copy it knows only that a client holding the newest
version has nothing to fetch. Anything else (a version it has not cached, a client ahead
of it) is left to the 503: a wrong delta would corrupt the client's list for good.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pepper.blocklist import storage, wire
from pepper.blocklist.cache import ArtifactCache
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
from pepper.blocklist.tokens import (
    CursorExpired,
    fingerprint,
    make_cursor,
    parse_cursor,
    parse_token,
)
from pepper.db import UnitOfWork
from pepper.errors import NotFound

DYNAMIC_GZIP_LEVEL = 1  # per-request encodings: speed over the last few percent
BINARY = "application/vnd.pepper.blocklist"
JSON = "application/json"


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


@dataclass(frozen=True, slots=True)
class _Plan:
    """What an answer sends: list ``to`` (a delta from ``since``; 0: in full), shaped by
    ``entries`` (named by ``fp``), from ``offset`` on."""

    to: int
    since: int
    fp: str
    offset: int
    entries: Sequence[PersonalEntry]
    model_version: str


def answer(
    uow: UnitOfWork, cache: ArtifactCache, ask: Ask, *, refresh_s: int, jitter: float
) -> Answer:
    """The block-list answer for one device's request (never recomputes a list)."""
    session = uow.session
    latest = storage.latest_version(session)
    if latest is None:
        raise NotFound("no block list has been published yet")
    cache.saw(ask.country_code, latest)
    entries = _shaping(storage.personal_entries(session, ask.device_id), ask)
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
        to, since, cursor_fp, offset = parse_cursor(ask.cursor)
        if cursor_fp != fp or to not in retained or (since and since not in retained):
            raise CursorExpired("start again without a cursor")
    plan = _Plan(to, since, fp, offset, entries, _model_version(session, cache, to))
    load = lambda: _load(session, cache, to, ask.country_code, since)  # noqa: E731
    return _render(cache, ask, plan, load, refresh_s=refresh_s, jitter=jitter)


def answer_cached(
    cache: ArtifactCache,
    ask: Ask,
    personal: Sequence[PersonalEntry] | None,
    *,
    refresh_s: int,
    jitter: float,
) -> Answer | None:
    """The answer from what this process holds, while the database cannot answer; None
    when that is not enough for a correct one. ``personal``: the device's entries from
    the Redis copy of its lists, None without one (see the module docstring)."""
    plan = _cached_plan(cache, ask, personal)
    if plan is None:
        return None
    stored = _cached(cache, plan.to, ask.country_code, plan.since)
    if stored is None:
        return None
    return _render(cache, ask, plan, lambda: stored, refresh_s=refresh_s, jitter=jitter)


def _cached_plan(
    cache: ArtifactCache, ask: Ask, personal: Sequence[PersonalEntry] | None
) -> _Plan | None:
    to = cache.newest(ask.country_code)
    if to is None:
        return None
    offset = 0
    if personal is None:
        # Only "nothing changed since your token" is certain; the token is kept as is.
        if ask.since is None or ask.cursor is not None:
            return None
        since, fp = parse_token(ask.since)
        entries: Sequence[PersonalEntry] = ()
        if since != to:
            return None
    else:
        entries = _shaping(personal, ask)
        fp = fingerprint(entries)
        found = _since_cached(cache, ask, fp, to)
        if found is None:
            return None
        since = found
        if ask.cursor is not None:
            to, since, cursor_fp, offset = parse_cursor(ask.cursor)
            if cursor_fp != fp:
                raise CursorExpired("start again without a cursor")
    model_version = cache.get(("model", to))
    if not isinstance(model_version, str):
        return None
    return _Plan(to, since, fp, offset, entries, model_version)


def _since_cached(cache: ArtifactCache, ask: Ask, fp: str, to: int) -> int | None:
    """As ``_since``, from what this process cached; None when the client holds a
    version newer than this process has seen (a full older list would be a step back)."""
    if ask.since is None:
        return 0
    version, their_fp = parse_token(ask.since)
    if version > to:
        return None
    if their_fp != fp:
        return 0
    if version == to or _cached(cache, to, ask.country_code, version) is not None:
        return version
    return 0  # that delta is not at hand: the full list, as for a delta not kept


def warm(session: Any, cache: ArtifactCache) -> int:
    """Load the newest published lists, in full, into this process's cache; returns how
    many. Whatever a phone holds, a full list answers it, so with these a process can
    answer any phone while the database is away — including one it never served."""
    latest = storage.latest_version(session)
    if latest is None:
        return 0
    _model_version(session, cache, latest)
    codes = storage.countries(session, latest)
    for code in codes:
        _load(session, cache, latest, code, 0)
        cache.saw(code, latest)
    return len(codes)


def _shaping(entries: Sequence[PersonalEntry], ask: Ask) -> list[PersonalEntry]:
    """The personal entries that shape this answer (see the module docstring)."""
    return [e for e in entries if e.kind == "allow" or (ask.personal and not e.is_prefix)]


def _render(
    cache: ArtifactCache,
    ask: Ask,
    plan: _Plan,
    load: Callable[[], _Stored],
    *,
    refresh_s: int,
    jitter: float,
) -> Answer:
    to, since, fp = plan.to, plan.since, plan.fp
    token = f"{to}.{fp}" if fp else str(to)
    etag = _etag(token, since, ask, plan.offset)
    headers = _freshness(etag, token, refresh_s, jitter)
    headers["Pepper-Model-Version"] = plan.model_version
    if ask.if_none_match is not None and etag in _etags(ask.if_none_match):
        return Answer(304, headers=headers)
    stored = load()
    entries = plan.entries
    payload = stored.payload if not entries else _personal(stored.payload, entries, ask)
    more_at: int | None = None
    if ask.chunk is not None:
        payload, more_at = chunk(payload, plan.offset, ask.chunk)
    cursor = None if more_at is None else make_cursor(to, since, fp, more_at)
    if cursor is not None:
        headers["Pepper-Next-Cursor"] = cursor
    meta = {
        "version": to, "since": since, "sync_token": token, "next_cursor": cursor,
        "model_version": plan.model_version,
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
    version, their_fp = parse_token(raw)
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
    found = _cached(cache, to, country, since)
    if found is not None:
        return found
    blob = storage.artifact(session, version=to, country_code=country, since=since)
    stored = _Stored(decode(blob).payload, blob) if blob is not None else _empty(to, since)
    return _keep(cache, ("stored", to, country, since), stored)


def _cached(cache: ArtifactCache, to: int, country: int, since: int) -> _Stored | None:
    """The artifact if this process holds it (nothing changed: always)."""
    key = ("stored", to, country, since)
    found = cache.get(key)
    if isinstance(found, _Stored):
        return found
    return _keep(cache, key, _empty(to, since)) if since == to else None


def _empty(to: int, since: int) -> _Stored:
    # Nothing changed (since == to), or a country nobody listed a number of.
    empty = Payload(since == 0, EMPTY.numbers, EMPTY)
    raw = wire.to_binary(empty, version=to, since=since, more=False)
    return _Stored(empty, _maybe_gzip(raw, True)[0])


def _keep(cache: ArtifactCache, key: tuple[Any, ...], stored: _Stored) -> _Stored:
    cache.put(key, stored, len(stored.blob) + 9 * stored.payload.size)
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
