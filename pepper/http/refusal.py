"""What a 429 says about its limit: Retry-After, X-RateLimit-* and the IETF RateLimit fields.

Shared by Flask-Limiter's routes (pepper.http.limits) and the direct call route's own
limit (pepper.http.shared_limit), so that every 429 reads the same.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from limits import RateLimitItem


def limit_headers(item: RateLimitItem, remaining: int, reset_at: float) -> dict[str, str]:
    """Retry-After, X-RateLimit-* and the IETF RateLimit fields of a 429."""
    window = item.get_expiry()
    retry_after = max(1, int(reset_at - time.time()))
    return {
        "Retry-After": str(retry_after),
        "X-RateLimit-Limit": str(item.amount),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(int(reset_at)),
        "RateLimit-Policy": f'"pepper";q={item.amount};w={window}',
        "RateLimit": f'"pepper";r={remaining};t={retry_after}',
    }


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request over its limit: what the 429 says about the window."""

    item: RateLimitItem
    remaining: int
    reset_at: float

    def headers(self) -> dict[str, str]:
        return limit_headers(self.item, self.remaining, self.reset_at)
