"""With PostgreSQL unavailable and Redis up: personal lists are paged from their Redis
copy, and the block list is answered from what the process holds, marked
``Pepper-Degraded: true``; what cannot be answered correctly stays a 503.

Two apps share one Redis (tests/support/outage.py). The block-list cache belongs to a
process, so for those tests ``cut_off`` is given ``healthy``'s: one process whose
database went away.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from pepper.blocklist.entries import EMPTY, EntryList, apply
from pepper.blocklist.views import CACHE_KEY
from pepper.blocklist.wire import from_binary
from pepper.standby.service import Standby
from tests.support.factories import label
from tests.support.outage import outage_pair, replay, runtime_of, seen_device

DEGRADED = "Pepper-Degraded"
LISTED = [f"+1415555010{n}" for n in range(4)]


@pytest.fixture
def pair(make_app: Callable[..., Flask], backend: str) -> tuple[Flask, Flask]:
    return outage_pair(make_app, backend)


def standby_of(app: Flask) -> Standby:
    standby = runtime_of(app).standby
    assert standby is not None
    return standby


def device_id(client: FlaskClient, headers: dict[str, str]) -> int:
    me = client.get("/v1/devices/me", headers=headers).json
    assert me is not None
    return int(me["id"])


def add(client: FlaskClient, headers: dict[str, str], kind: str, pattern: str) -> int:
    response = client.post(f"/v1/lists/{kind}", json={"pattern": pattern}, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json is not None
    return int(response.json["id"])


def read_all(client: FlaskClient, headers: dict[str, str], kind: str, limit: int) -> Any:
    """Every page of a list, following next_cursor; and whether any page was degraded."""
    items: list[dict[str, Any]] = []
    after, degraded = 0, set()
    while True:
        page = client.get(f"/v1/lists/{kind}?limit={limit}&after={after}", headers=headers)
        assert page.status_code == 200, page.json
        assert page.json is not None
        degraded.add(page.headers.get(DEGRADED))
        items.extend(page.json["items"])
        if page.json["next_cursor"] is None:
            return items, degraded
        after = page.json["next_cursor"]


def test_a_list_is_paged_from_its_copy_while_the_database_is_away(
    pair: tuple[Flask, Flask],
) -> None:
    healthy, cut_off = pair
    headers = seen_device(healthy)
    live = healthy.test_client()
    for n in range(5):
        add(live, headers, "block", f"+1202555010{n}")
    held, degraded = read_all(live, headers, "block", limit=50)  # leaves the copy
    assert degraded == {None}
    away = cut_off.test_client()
    first = away.get("/v1/lists/block?limit=2", headers=headers)
    assert (first.status_code, first.headers.get(DEGRADED)) == (200, "true")
    assert first.json == {"items": held[:2], "next_cursor": held[1]["id"]}
    middle = away.get(f"/v1/lists/block?limit=2&after={held[1]['id']}", headers=headers).json
    assert middle == {"items": held[2:4], "next_cursor": held[3]["id"]}
    assert read_all(away, headers, "block", limit=2) == (held, {"true"})
    assert read_all(away, headers, "block", limit=200) == (held, {"true"})


def test_a_devices_lists_are_copied_at_its_first_check_and_after_every_change(
    pair: tuple[Flask, Flask],
) -> None:
    healthy, cut_off = pair
    headers = seen_device(healthy)  # checked once: both (empty) lists copied
    away = cut_off.test_client()
    assert read_all(away, headers, "allow", 50) == ([], {"true"})
    add(healthy.test_client(), headers, "allow", "+12025550100")  # never read live
    items, degraded = read_all(away, headers, "allow", 50)
    assert ([e["pattern"] for e in items], degraded) == (["+12025550100"], {"true"})


def test_without_a_copy_a_list_read_is_a_503(pair: tuple[Flask, Flask]) -> None:
    healthy, cut_off = pair
    headers = seen_device(healthy)
    add(healthy.test_client(), headers, "allow", "+12025550100")
    standby_of(healthy).lists.forget(device_id(healthy.test_client(), headers))  # lost
    unread = cut_off.test_client().get("/v1/lists/allow", headers=headers)
    assert (unread.status_code, unread.headers["Retry-After"]) == (503, "1")
    assert unread.json is not None
    assert unread.json["code"] == "database_unavailable"


def test_a_list_changed_live_is_read_as_changed_during_an_outage(
    pair: tuple[Flask, Flask],
) -> None:
    healthy, cut_off = pair
    headers = seen_device(healthy)
    live, away = healthy.test_client(), cut_off.test_client()

    def ids(client: FlaskClient) -> list[int]:
        return [e["id"] for e in read_all(client, headers, "block", 50)[0]]

    first = add(live, headers, "block", "+12025550100")
    assert ids(live) == [first]
    second = add(live, headers, "block", "+1312555*")  # an addition...
    assert ids(live) == [first, second]
    assert ids(away) == [first, second]
    assert live.delete(f"/v1/lists/block/{first}", headers=headers).status_code == 204
    assert ids(live) == [second]  # ...and a removal, each read live once since
    assert ids(away) == [second]


def test_a_queued_edit_shows_once_applied_and_read_live_again(
    pair: tuple[Flask, Flask],
) -> None:
    healthy, cut_off = pair
    headers = seen_device(healthy)
    live, away = healthy.test_client(), cut_off.test_client()
    kept = add(live, headers, "block", "+12025550100")
    read_all(live, headers, "block", 50)
    queued = away.post("/v1/lists/block", json={"pattern": "+12025550101"}, headers=headers)
    assert queued.status_code == 202
    # Not applied yet: the copy is the list as the database holds it.
    assert [e["id"] for e in read_all(away, headers, "block", 50)[0]] == [kept]
    assert replay(healthy) == 1  # applied: the copy is written again
    now, _ = read_all(live, headers, "block", 50)
    assert [e["pattern"] for e in now] == ["+12025550100", "+12025550101"]
    assert read_all(away, headers, "block", 50) == (now, {"true"})


def test_an_erased_devices_list_copy_is_gone(pair: tuple[Flask, Flask]) -> None:
    healthy, cut_off = pair
    headers = seen_device(healthy)
    live = healthy.test_client()
    add(live, headers, "block", "+12025550100")
    read_all(live, headers, "block", 50)
    erased = device_id(live, headers)
    standby = standby_of(healthy)
    assert standby.lists.recall(erased, "block") is not None
    assert live.delete("/v1/devices/me", headers=headers).status_code == 204
    assert standby.lists.recall(erased, "block") is None
    assert cut_off.test_client().get("/v1/lists/block", headers=headers).status_code == 503


def test_the_api_document_says_which_reads_may_be_degraded(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").json
    assert doc is not None
    for path in ("/v1/lists/{kind}", "/v1/blocklist"):
        assert DEGRADED in doc["paths"][path]["get"]["responses"]["200"]["headers"]


def test_a_copy_read_while_the_list_changes_is_not_stored(pair: tuple[Flask, Flask]) -> None:
    healthy, _ = pair
    headers = seen_device(healthy)
    live = healthy.test_client()
    add(live, headers, "block", "+12025550100")
    owner = device_id(live, headers)
    rt, standby = runtime_of(healthy), standby_of(healthy)
    standby.lists.forget(owner)  # no copy: the next read writes one

    def edit_lands(*_: object) -> None:  # an edit commits and drops the copy meanwhile
        standby.lists.forget(owner)

    event.listen(rt.engine, "before_cursor_execute", edit_lands)
    try:
        with rt.uow() as uow:
            standby.lists.refresh(uow, owner, ("block",))
    finally:
        event.remove(rt.engine, "before_cursor_execute", edit_lands)
    assert standby.lists.recall(owner, "block") is None  # what it read may be stale
    with rt.uow() as uow:
        standby.lists.refresh(uow, owner, ("block",))
    assert standby.lists.recall(owner, "block") is not None


# --- GET /v1/blocklist ------------------------------------------------------------------


def publish(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["lists", "publish"])
    assert result.exit_code == 0, result.output


def one_process(healthy: Flask, cut_off: Flask) -> None:
    """``cut_off`` becomes the process that served ``healthy``'s answers: same cache."""
    cut_off.extensions[CACHE_KEY] = healthy.extensions[CACHE_KEY]


def published(healthy: Flask, numbers: list[str]) -> None:
    with runtime_of(healthy).uow() as uow:
        for number in numbers:
            label(uow, number, "block")
    publish(healthy)


class Phone:
    """Keeps the list it downloaded (binary, whole) and its sync token."""

    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers
        self.held: EntryList = EMPTY
        self.token: str | None = None

    def sync(self, client: FlaskClient, **query: Any) -> Any:
        if self.token is not None:
            query["since"] = self.token
        response = client.get(
            "/v1/blocklist", query_string={"format": "binary", **query}, headers=self.headers
        )
        if response.status_code == 200:
            self.held = apply(self.held, from_binary(response.data).payload)
            self.token = response.headers["Pepper-Sync-Token"]
        return response

    def holds_what_a_fresh_download_gets(self, client: FlaskClient, **query: Any) -> bool:
        fresh = Phone(self.headers)
        assert fresh.sync(client, **query).status_code == 200
        return self.held.same_as(fresh.held)


def test_the_block_list_is_answered_from_the_process_cache_with_the_header(
    pair: tuple[Flask, Flask],
) -> None:
    healthy, cut_off = pair
    one_process(healthy, cut_off)
    published(healthy, LISTED)
    headers = seen_device(healthy)
    live, away = healthy.test_client(), cut_off.test_client()
    add(live, headers, "allow", LISTED[0])  # shapes the list
    before = live.get("/v1/blocklist", headers=headers)
    assert (before.status_code, before.headers.get(DEGRADED)) == (200, None)
    during = away.get("/v1/blocklist", headers=headers)
    assert (during.status_code, during.headers.get(DEGRADED)) == (200, "true")
    assert during.json == before.json
    assert during.json is not None
    assert during.json["block"] == [int(n[1:]) for n in LISTED[1:]]
    token = before.json["sync_token"]  # type: ignore[index]
    caught_up = away.get("/v1/blocklist", query_string={"since": token}, headers=headers).json
    assert caught_up is not None
    assert (caught_up["full"], caught_up["block"], caught_up["sync_token"]) == (False, [], token)
    unchanged = away.get(
        "/v1/blocklist", headers={**headers, "If-None-Match": before.headers["ETag"]}
    )
    assert (unchanged.status_code, unchanged.headers.get(DEGRADED)) == (304, "true")


def test_the_block_list_is_a_503_when_the_process_holds_nothing_to_answer_with(
    pair: tuple[Flask, Flask], make_app: Callable[..., Flask]
) -> None:
    healthy, cut_off = pair
    published(healthy, LISTED)
    phone = Phone(seen_device(healthy))
    assert phone.sync(healthy.test_client()).status_code == 200
    # A process that has served no block list has nothing to answer with.
    assert phone.sync(cut_off.test_client()).status_code == 503
    # This one has, but the phone now holds a version it never saw (another process
    # served it after a publish): its older list would be a step back.
    one_process(healthy, cut_off)
    elsewhere = make_app()  # published by another process, before this one heard of it
    published(elsewhere, LISTED[:2])
    assert phone.sync(elsewhere.test_client()).status_code == 200
    assert phone.token == "2"
    behind = phone.sync(cut_off.test_client())
    assert (behind.status_code, behind.headers["Retry-After"]) == (503, "1")


def test_deltas_during_and_after_an_outage_are_correct(pair: tuple[Flask, Flask]) -> None:
    healthy, cut_off = pair
    one_process(healthy, cut_off)
    live, away = healthy.test_client(), cut_off.test_client()
    published(healthy, LISTED)
    phone, other = Phone(seen_device(healthy)), Phone(seen_device(healthy))
    add(live, phone.headers, "allow", LISTED[0])
    for each in (phone, other):
        assert each.sync(live).status_code == 200
    published(healthy, ["+14155550199"])
    assert not from_binary(other.sync(live).data).payload.full  # now held: delta 1 to 2

    during = phone.sync(away)  # a delta, shaped by the copy of the phone's lists
    assert (during.status_code, during.headers.get(DEGRADED)) == (200, "true")
    assert not from_binary(during.data).payload.full
    assert phone.holds_what_a_fresh_download_gets(live)

    add(live, phone.headers, "allow", "+14155550199")  # the lists change...
    assert live.get("/v1/lists/allow", headers=phone.headers).status_code == 200
    assert live.get("/v1/lists/block", headers=phone.headers).status_code == 200  # ...copied
    changed = phone.sync(away)  # another fingerprint: the full list, shaped as now
    assert (changed.status_code, changed.headers.get(DEGRADED)) == (200, "true")
    assert from_binary(changed.data).payload.full
    assert phone.holds_what_a_fresh_download_gets(live)

    published(healthy, ["+14155550198"])  # the database is back
    after = phone.sync(live)
    assert (after.status_code, after.headers.get(DEGRADED)) == (200, None)
    assert not from_binary(after.data).payload.full  # the token named its lists rightly
    assert phone.holds_what_a_fresh_download_gets(live)


def test_without_a_copy_of_the_lists_only_nothing_changed_is_answered(
    pair: tuple[Flask, Flask],
) -> None:
    healthy, cut_off = pair
    one_process(healthy, cut_off)
    live, away = healthy.test_client(), cut_off.test_client()
    published(healthy, LISTED)
    phone = Phone(seen_device(healthy))
    assert phone.sync(live).status_code == 200
    held = phone.token
    add(live, phone.headers, "allow", LISTED[0])
    standby_of(healthy).lists.forget(device_id(live, phone.headers))  # and Redis lost it
    same = phone.sync(away)
    assert (same.status_code, same.headers.get(DEGRADED)) == (200, "true")
    assert phone.token == held  # the list it holds, whatever its lists are now
    assert Phone(phone.headers).sync(away).status_code == 503  # a full list: unknown shape

    published(healthy, ["+14155550199"])  # the database is back
    assert from_binary(phone.sync(live).data).payload.full  # its lists changed: full
    assert phone.holds_what_a_fresh_download_gets(live)


def test_a_published_list_is_loaded_by_the_process_before_any_phone_asks(
    pair: tuple[Flask, Flask],
) -> None:
    """Publishing announces the version (the change log); each process loads it, so a
    phone this process never served still gets its list while the database is away."""
    healthy, cut_off = pair
    one_process(healthy, cut_off)
    published(healthy, LISTED)  # no phone has synced anything yet
    phone = Phone(seen_device(healthy))
    answer = phone.sync(cut_off.test_client())
    assert (answer.status_code, answer.headers.get(DEGRADED)) == (200, "true")
    assert phone.holds_what_a_fresh_download_gets(healthy.test_client())
