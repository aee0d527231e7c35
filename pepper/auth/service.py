"""Issuing, checking and revoking bearer tokens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pepper.auth.models import ApiClient
from pepper.auth.tokens import hash_token, hashes_match, new_token, token_hint
from pepper.errors import Unauthorized


def create_client(session: Session, *, kind: str, name: str) -> tuple[ApiClient, str]:
    """Create a client and return it with its token, which is never stored or shown again."""
    token = new_token(kind)
    client = ApiClient(
        kind=kind, name=name[:120], token_hash=hash_token(token), token_hint=token_hint(token)
    )
    session.add(client)
    session.flush()
    return client, token


def find_client(session: Session, token: str, *, kind: str) -> ApiClient:
    """The live client holding this token, or Unauthorized.

    No per-process cache: a revocation is a committed row, so every server refuses the
    token on its next request.
    """
    digest = hash_token(token)
    client = session.scalar(select(ApiClient).where(ApiClient.token_hash == digest))
    # The indexed lookup already matched the hash; comparing again in constant time
    # keeps the check honest should the lookup ever become a prefix or range scan.
    if client is None or client.kind != kind or client.revoked_at is not None:
        raise Unauthorized()
    if not hashes_match(client.token_hash, digest):
        raise Unauthorized()
    return client
