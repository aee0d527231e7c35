"""Sync tokens and cursors of ``GET /v1/blocklist``, as issued and read back (their
meaning: pepper/blocklist/serve.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pepper.blocklist.storage import PersonalEntry
from pepper.errors import PepperError


class CursorExpired(PepperError):
    status = 410
    code = "cursor_expired"
    title = "The list this cursor pages through changed or is no longer kept"


class BadToken(PepperError):
    status = 422
    code = "invalid_sync_token"
    title = "Not a sync token or cursor this server issued"


def fingerprint(entries: Sequence[PersonalEntry]) -> str:
    """A short, stable name for the personal entries that shape a device's list."""
    if not entries:
        return ""
    text = "\n".join(f"{e.kind}:{e.digits}{'*' if e.is_prefix else ''}" for e in entries)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def parse_token(token: str) -> tuple[int, str]:
    version, _, fp = token.partition(".")
    if not version.isdigit() or len(version) > 12 or not (fp == "" or fp.isalnum()):
        raise BadToken("since must be a sync_token from an earlier answer")
    return int(version), fp


def make_cursor(to: int, since: int, fp: str, offset: int) -> str:
    return f"{to}-{since}-{fp or '0'}-{offset}"


def parse_cursor(cursor: str) -> tuple[int, int, str, int]:
    parts = cursor.split("-")
    if len(parts) != 4 or not all(p.isalnum() for p in parts):
        raise BadToken("cursor must be a next_cursor from an earlier answer")
    to, since, fp, offset = parts
    if not (to.isdigit() and since.isdigit() and offset.isdigit()) or len(offset) > 12:
        raise BadToken("cursor must be a next_cursor from an earlier answer")
    return int(to), int(since), "" if fp == "0" else fp, int(offset)
