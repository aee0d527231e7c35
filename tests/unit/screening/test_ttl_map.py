"""The decision cache's map: entries expire, the oldest go first, reads need no lock."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pepper.screening.ttl_map import TTLMap


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_is_found_until_its_time_to_live_ends() -> None:
    clock = Clock()
    entries: TTLMap[str, int] = TTLMap(10, 5.0, clock)
    entries["a"] = 1
    clock.now += 4.99
    assert entries.get("a") == 1
    clock.now += 0.01
    assert entries.get("a") is None


def test_storing_again_renews_the_time_to_live() -> None:
    clock = Clock()
    entries: TTLMap[str, int] = TTLMap(10, 5.0, clock)
    entries["a"] = 1
    clock.now += 4
    entries["a"] = 2
    clock.now += 4
    assert entries.get("a") == 2
    entries["b"] = 3  # trims what expired: the first "a" is a stale pair, not the entry
    assert entries.get("a") == 2


def test_beyond_its_size_the_oldest_stored_entry_goes_first() -> None:
    clock = Clock()
    entries: TTLMap[int, int] = TTLMap(3, 60.0, clock)
    for key in range(3):
        entries[key] = key
        clock.now += 1
    assert entries.get(0) == 0  # a read does not make an entry younger
    entries[3] = 3
    assert [entries.get(k) for k in range(4)] == [None, 1, 2, 3]
    assert len(entries) == 3


def test_pop_iteration_and_items_see_the_live_map() -> None:
    entries: TTLMap[str, int] = TTLMap(10, 60.0, Clock())
    entries["a"], entries["b"] = 1, 2
    assert entries.pop("a") == 1
    assert entries.pop("a", 7) == 7
    assert list(entries) == ["b"]
    assert entries.items() == [("b", 2)]


@given(st.lists(st.tuples(st.integers(0, 20), st.floats(0, 3)), max_size=200))
def test_it_never_holds_more_than_its_size_nor_answers_with_an_expired_or_stale_value(
    writes: list[tuple[int, float]],
) -> None:
    clock = Clock()
    entries: TTLMap[int, float] = TTLMap(5, 4.0, clock)
    stored: dict[int, tuple[float, float]] = {}  # key -> (expiry, value) last stored
    for key, step in writes:
        clock.now += step
        entries[key] = clock.now
        stored[key] = (clock.now + 4.0, clock.now)
        assert len(entries) <= 5
        for k in range(21):
            found = entries.get(k)
            if found is not None:
                expiry, value = stored[k]
                assert found == value
                assert clock.now < expiry


def test_a_read_changes_nothing_not_even_an_expired_entry() -> None:
    # What lets readers go without the lock: a read only looks. (cachetools' TTLCache
    # expires and reorders entries on a read, so its reads had to hold the lock too.)
    clock = Clock()
    entries: TTLMap[str, int] = TTLMap(10, 5.0, clock)
    entries["old"] = 1
    clock.now += 3
    entries["new"] = 2
    clock.now += 3  # "old" has expired, "new" has not
    before = (list(entries), entries.items(), len(entries))
    assert (entries.get("old"), entries.get("new"), entries.get("never")) == (None, 2, None)
    assert (list(entries), entries.items(), len(entries)) == before
