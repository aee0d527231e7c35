"""The shared rate limit's rule (pepper.http.shared_limit), as plain functions over plain data.

No I/O here: which hits a process may admit on its own and which must ask Redis. The
module docstring of pepper.http.shared_limit argues why this keeps the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Path = Literal["fast", "exact"]


@dataclass(slots=True)
class KeyCount:
    """What one process knows of one key in the current window."""

    # The window's count as Redis last answered, plus hits whose sending failed: Redis
    # may have counted them (a timeout does not say), so they are never sent again, and
    # this process counts them rather than forget them.
    synced: int = 0
    # Hits counted here (admitted or refused) and not sent to Redis yet.
    pending: int = 0
    # Hits on their way to Redis whose answer is not back: not in ``synced`` yet, and
    # perhaps not in Redis yet either.
    sending: int = 0

    @property
    def unsent(self) -> int:
        """Hits of this process that Redis may not know of."""
        return self.pending + self.sending

    @property
    def known(self) -> int:
        """The window's count as far as this process knows: what it counts on when alone."""
        return self.synced + self.unsent


def burst_for(amount: int) -> int:
    """How many hits a process may hold unsent per key: 1 % of the limit, at least one."""
    return max(1, amount // 100)


def path_for(count: KeyCount, amount: int, burst: int) -> Path:
    """Whether the next hit may be admitted without asking Redis ("fast") or not ("exact").

    Fast only while this process holds fewer than ``burst`` unsent hits of the key, and
    its view of the key, this hit included, is within half the limit. Every other hit
    asks Redis, so near the limit every admission is decided on Redis's count.
    """
    if count.unsent < burst and count.known + 1 <= amount // 2:
        return "fast"
    return "exact"
