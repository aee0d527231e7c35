"""The real sentry-sdk transport against a local envelope server: events arrive, tagged,
with no phone number in any form anywhere in the bytes."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sentry_sdk
from flask import Flask
from pydantic import SecretStr

from pepper.screening.views import screener
from tests.integration.twilio.conftest import TWILIO_SETTINGS
from tests.support.sentry_server import Envelopes, sentry_server
from tests.support.twilio import call_params, signed_post, verbs

CALLER = "+12025550143"
SPELLINGS = ["+12025550143", "12025550143", "2025550143", "(202) 555-0143", "202-555-0143",
             "202.555.0143", "%2B12025550143", "555-0143", "5550143"]  # fmt: skip


@pytest.fixture
def reporting(make_app: Callable[..., Flask]) -> Iterator[tuple[Flask, Envelopes]]:
    with sentry_server() as (dsn, envelopes):
        app = make_app(**TWILIO_SETTINGS, sentry_dsn=SecretStr(dsn))
        try:
            yield app, envelopes
        finally:
            sentry_sdk.get_client().close(timeout=2)
            sentry_sdk.init()  # back to a client that sends nothing


def test_a_webhook_crash_reaches_sentry_tagged_and_without_phone_numbers(
    reporting: tuple[Flask, Envelopes], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pepper.carriers.twilio import subscribers
    from pepper.runtime import runtime

    app, envelopes = reporting
    with app.app_context():
        with runtime().uow() as uow:
            subscribers.add(
                uow, twilio_number="+14155550000", ring_to="+14155550111", mode="block",
                device_id=None, region="US",
            )  # fmt: skip

        def explode(*args: object, **kwargs: object) -> None:
            raise RuntimeError(f"decision failed for {' / '.join(SPELLINGS)}")

        monkeypatch.setattr(screener(), "decide_call", explode)
    params = call_params(CALLER)
    (dial,) = verbs(signed_post(app.test_client(), "/twilio/voice?From=%2B12025550143", params))
    assert dial.tag == "Dial"  # the call still rings
    sentry_sdk.flush(timeout=5)

    events = envelopes.events()
    assert events, "no event reached the local Sentry"
    event = events[-1]
    assert event["tags"]["model_version"] == "reputation-v1"
    assert event["environment"] == "test"
    assert event["release"].startswith("pepper@")
    raw = envelopes.all_bytes()
    for spelling in [*SPELLINGS, "0143", "555014"]:
        assert spelling.encode() not in raw, spelling


def test_a_field_issue_reaches_sentry_with_device_tags_and_no_numbers(
    reporting: tuple[Flask, Envelopes],
) -> None:
    from tests.integration.api.test_field_issues import ISSUE
    from tests.support.factories import register

    app, envelopes = reporting
    client = app.test_client()
    response = client.post("/v1/field-issues", json=ISSUE, headers=register(client))
    assert response.status_code == 201
    sentry_sdk.flush(timeout=5)
    (event,) = [e for e in envelopes.events() if e.get("tags", {}).get("source") == "device"]
    tags = event["tags"]
    assert (tags["kind"], tags["device_model"], tags["os_version"], tags["app_version"]) == (
        "call_not_screened", "Acme Phone 7", "14", "1.4.0",
    )  # fmt: skip
    assert tags["carrier"] == "T-Mobile"
    assert event["fingerprint"][:2] == ["field-issue", "call_not_screened"]
    raw = envelopes.all_bytes()
    for spelling in ("4155550123", "555-0123", "5550123"):
        assert spelling.encode() not in raw


def test_events_sentry_cannot_take_are_counted_not_waited_for(
    make_app: Callable[..., Flask],
) -> None:
    import time

    from pepper.metrics import SENTRY_DROPPED
    from tests.support.blackhole import closed_port

    def dropped() -> float:
        return sum(
            s.value
            for metric in SENTRY_DROPPED.collect()
            for s in metric.samples
            if s.name.endswith("_total")
        )

    before = dropped()
    make_app(sentry_dsn=SecretStr(f"http://key@127.0.0.1:{closed_port()}/1"))
    try:
        started = time.monotonic()
        sentry_sdk.capture_message("nobody is listening")
        assert time.monotonic() - started < 0.5  # queued, never sent inline
        sentry_sdk.flush(timeout=5)
        assert dropped() > before
    finally:
        sentry_sdk.get_client().close(timeout=1)
        sentry_sdk.init()


def test_decision_queries_leave_no_sql_breadcrumbs_other_queries_do(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spans and scrubbed breadcrumbs per query cost the decision more than scoring: its
    own engine is left out of the SQLAlchemy integration, every other engine keeps it."""
    import pepper.diagnostics.sentry as diagnostics
    from tests.support.factories import register

    crumbs: list[str] = []

    def recording(crumb: dict[str, object], hint: object) -> object:
        if crumb.get("category") == "query":
            crumbs.append(str(crumb.get("message", "")))
        return crumb

    monkeypatch.setattr(diagnostics, "before_breadcrumb", recording)
    with sentry_server() as (dsn, _):
        app = make_app(sentry_dsn=SecretStr(dsn))
        try:
            if app.extensions["pepper"].decision_engine is app.extensions["pepper"].engine:
                pytest.skip("SQLite: one engine serves everything, instrumented")
            client = app.test_client()
            headers = register(client)
            screened = client.post("/v1/screen", json={"number": CALLER}, headers=headers)
            assert screened.status_code == 200
            assert client.get("/v1/devices/me", headers=headers).status_code == 200
        finally:
            sentry_sdk.get_client().close(timeout=2)
            sentry_sdk.init()
    assert any("api_clients" in crumb for crumb in crumbs)  # the device lookup
    assert not any("WITH who" in crumb for crumb in crumbs)  # the decision
