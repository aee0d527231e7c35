"""Bearer tokens: random, prefixed, stored only as a hash, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_PREFIXES = {"device": "pep_", "admin": "pepadm_"}
HINT_LENGTH = 12


def new_token(kind: str) -> str:
    """A fresh token for a client of this kind: its prefix plus 256 random bits."""
    return TOKEN_PREFIXES[kind] + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens carry 256 bits of entropy, so a fast unsalted hash is safe here (as for
    # GitHub's tokens) and keeps the lookup one indexed equality.
    return hashlib.sha256(token.encode()).hexdigest()


def token_hint(token: str) -> str:
    return token[:HINT_LENGTH]


def hashes_match(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
