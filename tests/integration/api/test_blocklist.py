"""``GET /v1/blocklist`` as phones use it, on SQLite and on PostgreSQL + Redis."""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from pepper.blocklist.entries import BLOCK, EMPTY, EntryList, apply, label_code
from pepper.blocklist.models import BlocklistVersion
from pepper.blocklist.wire import from_binary, merge
from pepper.carriers.twilio.models import CallerStats
from pepper.model import registry
from pepper.model.service import train_and_register
from pepper.reputation import labels
from pepper.reputation.models import AdminLabel
from pepper.runtime import Runtime
from pepper.runtime import runtime as current_runtime
from tests.support.factories import label, register, report_spam, screen


def publish(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["lists", "publish"])
    assert result.exit_code == 0, result.output
    return result.output


def unlabel(runtime: Runtime, pattern: str) -> None:
    with runtime.uow() as uow:
        found = uow.session.scalar(select(AdminLabel.id).where(AdminLabel.pattern == pattern))
        assert found is not None
        labels.remove(uow, found)


def download(client: FlaskClient, headers: dict[str, str], **query: Any) -> Any:
    return client.get("/v1/blocklist", query_string=query, headers=headers)


class IosClient:
    """A Call Directory extension: loads pages of a few entries, keeps its sync token."""

    def __init__(self, client: FlaskClient, headers: dict[str, str], chunk: int = 3) -> None:
        self.client, self.headers, self.chunk = client, headers, chunk
        self.held: EntryList = EMPTY
        self.token: str | None = None
        self.fulls = 0

    def sync(self) -> None:
        query: dict[str, Any] = {"format": "binary", "chunk": self.chunk}
        if self.token is not None:
            query["since"] = self.token
        while True:
            response = download(self.client, self.headers, **query)
            assert response.status_code == 200, response.data
            assert response.mimetype == "application/vnd.pepper.blocklist"
            decoded = from_binary(response.data)
            self.fulls += decoded.payload.full
            # EntryList refuses anything not strictly ascending: no duplicates either.
            self.held = apply(self.held, decoded.payload)
            cursor = response.headers.get("Pepper-Next-Cursor")
            assert decoded.more == (cursor is not None)
            if cursor is None:
                self.token = response.headers["Pepper-Sync-Token"]
                return
            query["cursor"] = cursor


def latest_full(client: FlaskClient, headers: dict[str, str]) -> EntryList:
    body = download(client, headers).json
    assert body["full"] is True
    return merge(
        np.array(body["block"], dtype=np.uint64),
        np.array(body["identify"], dtype=np.uint64),
        np.array(body["identify_labels"], dtype=np.uint8) + 1,
    )


def test_a_simulated_ios_client_follows_publishes_with_deltas(
    app: Flask, client: FlaskClient, runtime: Runtime
) -> None:
    headers = register(client, platform="ios")
    assert download(client, headers).status_code == 404  # nothing published yet
    report_spam(client, runtime.uow, "+12025550143", 2)  # suspicious: identified
    with runtime.uow() as uow:
        for n in range(5):
            label(uow, f"+1415555010{n}", "block")
    publish(app)
    phone = IosClient(client, headers)
    phone.sync()
    assert phone.fulls == 1
    assert phone.held.as_dict() == {
        12025550143: label_code("Scam Likely"),
        **{14155550100 + n: BLOCK for n in range(5)},
    }

    for step in range(3):
        with runtime.uow() as uow:
            label(uow, f"+1312555020{step}", "block")  # an addition
        unlabel(runtime, f"+1415555010{step}")  # a removal
        publish(app)
        phone.sync()
        assert phone.held.same_as(latest_full(client, headers))
    report_spam(client, runtime.uow, "+12025550143", 4)  # identified, now blocked
    publish(app)
    phone.sync()
    assert phone.fulls == 1  # one full download, deltas ever since
    assert phone.held.same_as(latest_full(client, headers))
    assert phone.held.as_dict()[12025550143] == BLOCK
    assert phone.token == phone.token.split(".")[0]  # no personal lists: a plain version


def test_a_client_offline_past_the_retained_history_gets_the_full_list(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(blocklist_retained_versions=2)
    client = app.test_client()
    headers = register(client)
    with app.app_context():
        rt = current_runtime()
        with rt.uow() as uow:
            label(uow, "+14155550100", "block")
        publish(app)
        phone = IosClient(client, headers, chunk=100)
        phone.sync()
        for n in range(1, 4):
            with rt.uow() as uow:
                label(uow, f"+1415555010{n}", "block")
            publish(app)
    phone.sync()
    assert phone.fulls == 2
    assert phone.held.numbers.tolist() == [14155550100 + n for n in range(4)]
    assert phone.token == "4"


def test_the_allow_list_always_removes_entries_and_personal_blocks_merge_on_request(
    app: Flask, client: FlaskClient, runtime: Runtime
) -> None:
    headers = register(client)
    with runtime.uow() as uow:
        for n in range(4):
            label(uow, f"+1415555010{n}", "block")
    publish(app)
    client.post("/v1/lists/allow", json={"pattern": "+14155550100"}, headers=headers)
    client.post("/v1/lists/allow", json={"pattern": "+1415555010*"}, headers=headers)
    first = download(client, headers, personal="true").json
    assert first["block"] == []
    token = first["sync_token"]
    assert token.startswith("1.")
    client.post("/v1/lists/block", json={"pattern": "+13125550000"}, headers=headers)
    client.post("/v1/lists/block", json={"pattern": "911"}, headers=headers)  # refused anyway
    # The personal lists changed: the old token no longer fits, a full list comes back.
    changed = download(client, headers, personal="true", since=token).json
    assert (changed["full"], changed["block"]) == (True, [13125550000])
    # Without merging, the block entry is not part of the list; the allow list still is.
    plain = download(client, headers).json
    assert plain["block"] == []
    # Same personal lists, a new publish: a delta that says nothing about allowed numbers.
    with runtime.uow() as uow:
        label(uow, "+14155550999", "block")
    unlabel(runtime, "+14155550101")
    publish(app)
    delta = download(client, headers, personal="true", since=changed["sync_token"]).json
    assert (delta["full"], delta["since"], delta["block"], delta["remove"]) == (
        False, 1, [14155550999], [],
    )  # fmt: skip


def test_nothing_changed_is_a_304_and_answers_carry_freshness(
    app: Flask, client: FlaskClient, runtime: Runtime
) -> None:
    headers = register(client)
    with runtime.uow() as uow:
        label(uow, "+14155550100", "block")
    publish(app)
    first = download(client, headers, format="binary")
    assert first.status_code == 200
    again = client.get(
        "/v1/blocklist?format=binary", headers={**headers, "If-None-Match": first.headers["ETag"]}
    )
    assert (again.status_code, again.data) == (304, b"")
    assert "no-cache" in first.headers["Cache-Control"]
    assert int(first.headers["Pepper-Next-Check"]) > 0
    caught_up = download(client, headers, since=first.headers["Pepper-Sync-Token"]).json
    assert (caught_up["full"], caught_up["block"], caught_up["remove"]) == (False, [], [])
    publish(app)  # a new version: the old ETag no longer matches
    newer = client.get(
        "/v1/blocklist?format=binary", headers={**headers, "If-None-Match": first.headers["ETag"]}
    )
    assert newer.status_code == 200


def test_binary_downloads_are_gzipped_when_the_client_accepts_it(
    app: Flask, client: FlaskClient, runtime: Runtime
) -> None:
    headers = register(client)
    with runtime.uow() as uow:
        label(uow, "+14155550100", "block")
        label(uow, "+442079460958", "block")
    publish(app)
    zipped = download(client, {**headers, "Accept-Encoding": "gzip"}, format="binary")
    assert zipped.headers["Content-Encoding"] == "gzip"
    us = from_binary(gzip.decompress(zipped.data)).payload.entries
    assert us.numbers.tolist() == [14155550100]
    gb = from_binary(download(client, headers, format="binary", country="GB").data)
    assert gb.payload.entries.numbers.tolist() == [442079460958]


def test_bad_input_is_a_problem_never_a_500(
    app: Flask, client: FlaskClient, runtime: Runtime
) -> None:
    headers = register(client)
    with runtime.uow() as uow:
        label(uow, "+14155550100", "block")
    publish(app)
    for query, status in [
        ({"since": "abc"}, 422),
        ({"since": "1.x-y"}, 422),
        ({"cursor": "nonsense"}, 422),
        ({"cursor": "1-0-0-5"}, 200),
        ({"cursor": "7-0-0-0"}, 410),
        ({"format": "xml"}, 422),
        ({"chunk": 0}, 422),
        ({"country": "XX"}, 422),
        ({"country": "usa"}, 422),
    ]:
        response = download(client, headers, **query)
        assert response.status_code == status, (query, response.json)
        if status != 200:
            assert response.mimetype == "application/problem+json"
    assert client.get("/v1/blocklist").status_code == 401


def test_publishing_is_single_flight_and_versions_are_monotonic(
    app: Flask, runtime: Runtime
) -> None:
    from pepper.blocklist.jobs import start_job

    job, started = start_job(runtime)  # another host is publishing
    assert started
    result = app.test_cli_runner().invoke(args=["lists", "publish"])
    assert result.exit_code != 0
    assert job.id in result.output
    from pepper.blocklist.jobs import run_job

    run_job(runtime, job.id)
    assert "published version 2" in publish(app)


# --- ranked by the active spam model ---------------------------------------------------

ROBOCALLER = "+13125550177"  # never reported: only the carrier's call pattern speaks


@pytest.fixture
def model_app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    return make_app(
        models_dir=tmp_path / "models", model_poll_s=0.05, ftc_data=tmp_path / "absent.csv"
    )


def active_model(app: Flask) -> str:
    with app.app_context():
        rt = current_runtime()
        info = train_and_register(
            rt.uow, models_dir=rt.settings.models_dir, rows=4000, seed=1, ftc_path=None
        )
        with rt.uow() as uow:
            registry.activate(uow, info.version)
    return info.version


def carrier_pattern(runtime: Runtime, caller: str, **counts: int) -> None:
    """What the Twilio webhooks would have counted for ``caller``."""
    now = time.time()
    with runtime.uow() as uow:
        uow.session.add(
            CallerStats(caller=caller, first_epoch=now - 7200, last_epoch=now - 60, **counts)
        )
        uow.commit()


def published_version(runtime: Runtime) -> BlocklistVersion:
    with runtime.uow() as uow:
        row = uow.session.scalars(
            select(BlocklistVersion).order_by(BlocklistVersion.version.desc())
        ).first()
        assert row is not None
        uow.session.expunge(row)
        return row


def test_with_an_active_model_each_number_is_listed_as_its_calls_would_be_decided(
    model_app: Flask,
) -> None:
    version = active_model(model_app)
    client = model_app.test_client()
    with model_app.app_context():
        rt = current_runtime()
        reported = {f"+1202555{100 + i:04d}": i for i in range(1, 6)}
        for number, devices in reported.items():
            report_spam(client, rt.uow, number, devices, category="robocall")
        carrier_pattern(
            rt, ROBOCALLER, calls=400, subscribers=380, finished=390, answered=12,
            short_calls=350, challenge_passed=0, challenge_failed=60,
        )  # fmt: skip
        carrier_pattern(rt, reported_first := next(iter(reported)), calls=3, subscribers=2,
                        finished=3, answered=3, short_calls=0, challenge_passed=2,
                        challenge_failed=0)  # fmt: skip
    output = publish(model_app)
    assert f"ranked by model {version}" in output
    headers = register(client)
    body = download(client, headers).json
    assert body["model_version"] == version
    response = download(client, headers, format="binary")
    assert response.headers["Pepper-Model-Version"] == version
    listed = latest_full(client, headers).as_dict()
    with model_app.app_context():
        silence, block = current_runtime().settings.threshold_normal
    scores = {}
    for number in [*reported, ROBOCALLER, reported_first]:
        # A call with no attestation and no call time: what a list stands for.
        decision = screen(client, headers, number)
        assert decision["model_version"] == version
        score, digits = decision["score"], int(number[1:])
        scores[number] = score
        assert min(abs(score - silence), abs(score - block)) > 1e-3, "too close to call"
        if score >= block:
            assert listed.get(digits) == BLOCK, (number, score)
        elif score >= silence:
            assert listed.get(digits) not in (None, BLOCK), (number, score)
        else:
            assert digits not in listed, (number, score)
    # The model, not reputation, ranked them: reputation alone cannot list a caller
    # nobody reported (see the next test); its call pattern alone blocks it here.
    assert listed.get(int(ROBOCALLER[1:])) == BLOCK, scores
    with model_app.app_context():
        stored = published_version(current_runtime())
    assert (stored.model_version, stored.summary["ranking"]) == (version, "model")
    assert stored.summary["fallback"] is None


def test_without_an_active_model_lists_follow_reputation_and_say_so(
    app: Flask, client: FlaskClient, runtime: Runtime
) -> None:
    report_spam(client, runtime.uow, "+12025550143", 6)
    carrier_pattern(
        runtime, ROBOCALLER, calls=400, subscribers=380, finished=390, answered=12,
        short_calls=350, challenge_passed=0, challenge_failed=60,
    )  # fmt: skip
    output = publish(app)
    assert "ranked by reputation alone (no_active_model)" in output
    stored = published_version(runtime)
    assert stored.model_version == "reputation-v1"
    assert stored.summary["ranking"] == "reputation"
    assert stored.summary["fallback"] == "no_active_model"
    headers = register(client)
    assert download(client, headers).json["model_version"] == "reputation-v1"
    # Reputation alone cannot list a caller nobody reported.
    assert latest_full(client, headers).as_dict() == {12025550143: BLOCK}


def test_a_refused_model_leaves_the_lists_to_reputation_and_names_the_reason(
    model_app: Flask,
) -> None:
    version = active_model(model_app)
    with model_app.app_context(), current_runtime().uow() as uow:
        artifact = current_runtime().settings.models_dir / registry.get(uow).artifact
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
    artifact.write_bytes(bytes(data))
    output = publish(model_app)
    assert f"ranked by reputation alone (hash_mismatch: {version})" in output
    with model_app.app_context():
        stored = published_version(current_runtime())
    assert stored.model_version == "reputation-v1"
    assert stored.summary["fallback"] == f"hash_mismatch: {version}"
