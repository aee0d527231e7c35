"""The shared rate limit's rule, and the limit without Redis: no I/O."""

import pytest

from pepper.http.admission import KeyCount, burst_for, path_for
from pepper.http.shared_limit import SharedLimit


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("amount", "burst"), [(1, 1), (4, 1), (199, 1), (200, 2), (300, 3), (10_000, 100)]
)
def test_a_process_may_hold_one_percent_of_the_limit_unsent_and_at_least_one_hit(
    amount: int, burst: int
) -> None:
    assert burst_for(amount) == burst


def test_a_key_far_below_its_limit_is_admitted_without_redis() -> None:
    assert path_for(KeyCount(synced=10, pending=2), amount=300, burst=3) == "fast"


def test_a_process_holding_its_burst_unsent_asks_redis() -> None:
    assert path_for(KeyCount(synced=10, pending=3), amount=300, burst=3) == "exact"


def test_hits_on_their_way_to_redis_count_as_unsent() -> None:
    assert path_for(KeyCount(synced=10, pending=1, sending=2), amount=300, burst=3) == "exact"


def test_the_last_hit_of_the_lower_half_is_fast_and_the_next_one_asks_redis() -> None:
    assert path_for(KeyCount(synced=148, pending=1), amount=300, burst=3) == "fast"
    assert path_for(KeyCount(synced=149, pending=1), amount=300, burst=3) == "exact"


def test_above_half_the_limit_every_hit_asks_redis() -> None:
    assert path_for(KeyCount(synced=200), amount=300, burst=3) == "exact"


def test_a_limit_of_one_always_asks_redis() -> None:
    assert path_for(KeyCount(), amount=1, burst=1) == "exact"


def test_without_redis_the_limit_is_an_in_memory_fixed_window() -> None:
    clock = FakeClock(1_700_000_000.0)
    limit = SharedLimit("3/minute", client=None, prefix="t:", clock=clock)
    outcomes = [limit.admit("t:alice") for _ in range(4)]
    assert outcomes[:3] == [None, None, None]
    refusal = outcomes[3]
    assert refusal is not None
    assert refusal.remaining == 0
    assert refusal.reset_at == (1_700_000_000 // 60 + 1) * 60
    assert limit.admit("t:bob") is None  # another key's budget is its own
    clock.now = refusal.reset_at
    assert limit.admit("t:alice") is None
