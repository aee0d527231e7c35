"""Decision receipts: a decision id that carries, signed, what was decided.

A device that reports a wrong block or a wrong allow names the decision by the
``decision_id`` it was given. Storing every decision to make that link would put a
database write on every call; instead the id itself is a receipt — when, what action,
which rung of the policy, the score, which model, and a keyed hash of the number —
signed with the server's secret (HMAC-SHA256), so any server can read it back and no
one can forge one. It holds no phone number: the number's tag is an HMAC under the same
secret, useful only to check a number the device sends along.

Layout (37 bytes, base64url without padding, 50 characters): version (1), issued at
(uint32 epoch seconds), action (1), rung (1), score (uint16, p × 65535), model tag
(4: the first bytes of SHA-256 of the version name), number tag (8), nonce (4), MAC (12).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import random
import struct
from dataclasses import dataclass

VERSION = 1
ACTIONS = ("allow", "silence", "block")
# The policy's rungs (pepper.screening.policy) plus the fail-open one; unknown → "other".
RUNGS = (
    "emergency", "contacts", "personal_allow", "personal_block", "admin", "rules", "score",
    "default", "degraded", "other",
)  # fmt: skip
_BODY = struct.Struct(">BIBBH4s8s4s")
_MAC_BYTES = 12
_NO_TAG = bytes(8)
LENGTH = 50  # characters of an encoded receipt


@dataclass(frozen=True, slots=True)
class Receipt:
    issued_at: int
    action: str
    rung: str
    score: float
    model_tag: str  # 8 hex characters; model_tag(version) names the version it was
    number_tag: bytes

    @property
    def has_number(self) -> bool:
        return self.number_tag != _NO_TAG


def model_tag(version: str | None) -> str:
    return hashlib.sha256((version or "").encode()).hexdigest()[:8]


class Receipts:
    def __init__(self, secret: bytes) -> None:
        # Derived keys: receipts never share a key with anything else the secret signs.
        self._mac_key = hmac.new(secret, b"pepper decision receipt mac", "sha256").digest()
        self._number_key = hmac.new(secret, b"pepper decision receipt number", "sha256").digest()

    def issue(
        self,
        *,
        action: str,
        rung: str,
        score: float,
        model_version: str | None,
        e164: str | None,
        at: float,
    ) -> str:
        body = _BODY.pack(
            VERSION,
            int(at) & 0xFFFFFFFF,
            ACTIONS.index(action),
            RUNGS.index(rung) if rung in RUNGS else RUNGS.index("other"),
            round(min(max(score, 0.0), 1.0) * 65535),
            bytes.fromhex(model_tag(model_version)),
            self.number_tag(e164) if e164 else _NO_TAG,
            # Only keeps two receipts of one second apart; the MAC is what no one can
            # forge. random, not secrets: os.urandom is a system call on every call.
            random.getrandbits(32).to_bytes(4, "big"),
        )
        mac = hmac.new(self._mac_key, body, "sha256").digest()[:_MAC_BYTES]
        return base64.urlsafe_b64encode(body + mac).rstrip(b"=").decode()

    def read(self, token: str) -> Receipt | None:
        """The receipt this token is, or None for anything not signed by us."""
        if len(token) != LENGTH:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "==")
        except (binascii.Error, ValueError):
            return None
        body, mac = raw[: _BODY.size], raw[_BODY.size :]
        expected = hmac.new(self._mac_key, body, "sha256").digest()[:_MAC_BYTES]
        if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, expected):
            return None
        version, at, action, rung, score, model, number, _ = _BODY.unpack(body)
        if version != VERSION or action >= len(ACTIONS) or rung >= len(RUNGS):
            return None
        return Receipt(at, ACTIONS[action], RUNGS[rung], score / 65535, model.hex(), number)

    def number_tag(self, e164: str) -> bytes:
        return hmac.new(self._number_key, e164.encode(), "sha256").digest()[:8]

    def is_about(self, receipt: Receipt, e164: str) -> bool:
        return receipt.has_number and hmac.compare_digest(receipt.number_tag, self.number_tag(e164))
