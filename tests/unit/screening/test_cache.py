"""The decision cache: what it keeps, what a change makes it forget, and when it
refuses to trust itself."""

from __future__ import annotations

from pepper.db.changes import Notice
from pepper.lists.patterns import PersonalList
from pepper.reputation.core import Evidence
from pepper.screening.cache import DecisionCache, DeviceView, NumberView
from pepper.screening.types import DeviceFacts


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def device(device_id: int) -> DeviceView:
    return DeviceView(
        (device_id, "US", "normal", "allow", None), DeviceFacts(), PersonalList([]),
        PersonalList([]),
    )  # fmt: skip


def held(cache: DecisionCache, key: str) -> int | None:
    view = cache.device(key)
    return None if view is None else view.device_id


NUMBER = NumberView(None, Evidence(number=None, ranges=()), None)


def make(fresh: list[bool] | None = None, clock: Clock | None = None) -> DecisionCache:
    state = fresh if fresh is not None else [True]
    return DecisionCache(
        fresh=lambda: state[0], device_size=100, device_ttl_s=300, number_size=100,
        number_ttl_s=5, clock=clock or Clock(),
    )  # fmt: skip


def test_a_device_kept_is_found_by_its_key_until_a_change_to_it() -> None:
    cache = make()
    cache.keep_device("t:abc", device(7), cache.started())
    cache.keep_device("d:7", device(7), cache.started())
    cache.keep_device("t:other", device(8), cache.started())
    assert held(cache, "t:abc") == 7
    cache.forget([Notice("device", "7")])
    assert (cache.device("t:abc"), cache.device("d:7")) == (None, None)
    assert held(cache, "t:other") == 8


def test_a_read_that_began_before_a_change_is_not_kept() -> None:
    clock = Clock()
    cache = make(clock=clock)
    started = cache.started()
    clock.now += 0.01
    cache.forget([Notice("device", "7")])  # announced while the read was in flight
    clock.now += 0.01
    cache.keep_device("t:abc", device(7), started)
    assert cache.device("t:abc") is None
    cache.keep_device("t:abc", device(7), cache.started())  # a read begun after it
    assert held(cache, "t:abc") == 7


def test_devices_are_not_trusted_while_the_change_feed_is_stale() -> None:
    fresh = [True]
    cache = make(fresh)
    cache.keep_device("t:abc", device(7), cache.started())
    fresh[0] = False
    assert cache.device("t:abc") is None
    cache.keep_device("t:new", device(9), cache.started())
    fresh[0] = True
    assert held(cache, "t:abc") == 7
    assert cache.device("t:new") is None  # never kept while stale


def test_callers_live_for_their_ttl_whatever_the_feed() -> None:
    clock = Clock()
    cache = make([False], clock)
    cache.keep_number("+14155550123", NUMBER, cache.started())
    assert cache.number("+14155550123") is NUMBER
    clock.now += 5.1
    assert cache.number("+14155550123") is None


def test_a_label_forgets_every_number_under_its_prefix() -> None:
    cache = make()
    for e164 in ("+14155550123", "+14155559999", "+12125550123"):
        cache.keep_number(e164, NUMBER, cache.started())
    cache.forget([Notice("label", "+1415555*")])
    assert cache.number("+14155550123") is None
    assert cache.number("+14155559999") is None
    assert cache.number("+12125550123") is NUMBER


def test_a_report_forgets_its_number_and_an_import_forgets_all() -> None:
    cache = make()
    for e164 in ("+14155550123", "+12125550123"):
        cache.keep_number(e164, NUMBER, cache.started())
    cache.forget([Notice("number", "+14155550123")])
    assert cache.number("+14155550123") is None
    assert cache.number("+12125550123") is NUMBER
    cache.forget([Notice("numbers", "*")])
    assert cache.number("+12125550123") is None


def test_a_subscriber_change_forgets_its_number_and_an_unknown_kind_forgets_all() -> None:
    cache = make()
    cache.keep_device("s:+13125550100", device(-1), cache.started())
    cache.keep_device("t:abc", device(7), cache.started())
    cache.forget([Notice("subscriber", "+13125550100")])
    assert cache.device("s:+13125550100") is None
    assert held(cache, "t:abc") == 7
    cache.forget([Notice("something-new", "x")])
    assert cache.device("t:abc") is None


def test_a_size_of_zero_turns_a_cache_off() -> None:
    cache = DecisionCache(
        fresh=lambda: True, device_size=0, device_ttl_s=300, number_size=0, number_ttl_s=5
    )
    cache.keep_device("t:abc", device(7), cache.started())
    cache.keep_number("+14155550123", NUMBER, cache.started())
    assert (cache.device("t:abc"), cache.number("+14155550123")) == (None, None)


def test_a_published_block_list_changes_nothing_a_decision_reads() -> None:
    cache = make()
    cache.keep_device("t:abc", device(7), cache.started())
    cache.keep_number("+14155550123", NUMBER, cache.started())
    cache.forget([Notice("blocklist", "3")])
    assert (held(cache, "t:abc"), cache.number("+14155550123")) == (7, NUMBER)
