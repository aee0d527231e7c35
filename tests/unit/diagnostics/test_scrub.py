"""Phone numbers never reach Sentry: redact(), scrub(), before_send(), before_breadcrumb()."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pepper.diagnostics.scrub import (
    QUERY_CRUMB_CHARS,
    REDACTED,
    before_breadcrumb,
    before_send,
    redact,
    scrub,
)

US_TAIL = "5550123"  # last 7 digits of the national significant number 4155550123
UK_TAIL = "9460958"  # of 2079460958

# (text as it appears in the wild, last 7 digits of the national significant number)
FORMATS = [
    ("+14155550123", US_TAIL),
    ("+442079460958", UK_TAIL),
    ("4155550123", US_TAIL),
    ("(415) 555-0123", US_TAIL),
    ("415-555-0123", US_TAIL),
    ("415.555.0123", US_TAIL),
    ("1 415 555 0123", US_TAIL),
    ("+1 (415) 555-0123", US_TAIL),
    ("1-415-555-0123", US_TAIL),
    ("+44 20 7946 0958", UK_TAIL),
    ("0044 20 7946 0958", UK_TAIL),
    ("011 44 20 7946 0958", UK_TAIL),
    ("020 7946 0958", UK_TAIL),
    ("tel:+14155550123", US_TAIL),
    ("tel:+1-415-555-0123", US_TAIL),
    ("sip:+14155550123@sip.example.com", US_TAIL),
    ("%2B14155550123", US_TAIL),
    ("%2B1%20415%20555%200123", US_TAIL),
    ("?From= 14155550123&To=x", US_TAIL),
    ("/v1/numbers/%2B14155550123", US_TAIL),
    ("/v1/numbers/4155550123/reports", US_TAIL),
    ("https://pepper.example/screen?number=4155550123", US_TAIL),
    ("caller=+14155550123,", US_TAIL),
    ("caller4155550123abc", US_TAIL),
    ("call me on 555-0123 tonight", US_TAIL),
]

KEPT = [
    "0d7777296c7b4fb6b8d12eebdb8f7903",
    "0d777729-6c7b-4fb6-b8d1-2eebdb8f7903",
    "CA0d7777296c7b4fb6b8d12eebdb8f7903",
    "2026-11-24T22:49:55.566736+00:00",
    "2026-11-24 22:49:55,566",
    "2026-11-24",
    "22:49:55.566736",
    "1.4.0",
    "14.2.1",
    "pepper@1.4.0",
    "versions 1.4.0 14.2.1 3.11.9",
]


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.parametrize(("text", "tail"), FORMATS)
def test_redact_removes_every_phone_number_format(text: str, tail: str) -> None:
    out = redact(text)
    assert tail not in digits(out)
    assert REDACTED in out


@pytest.mark.parametrize("text", KEPT)
def test_redact_keeps_ids_timestamps_and_versions(text: str) -> None:
    assert redact(text) == text


def test_redact_keeps_the_words_around_a_number() -> None:
    assert redact("call from +1 (415) 555-0123, blocked") == f"call from {REDACTED}, blocked"
    assert redact("tel:+14155550123") == f"tel:{REDACTED}"


def test_redact_leaves_short_digit_runs_alone() -> None:
    assert redact("HTTP 404 after 1500 ms, retry 3 of 5") == "HTTP 404 after 1500 ms, retry 3 of 5"


def test_redact_takes_a_number_out_from_between_kept_shapes() -> None:
    text = "2026-11-24 4155550123 0d7777296c7b4fb6b8d12eebdb8f7903 1.4.0"
    assert redact(text) == f"2026-11-24 {REDACTED} 0d7777296c7b4fb6b8d12eebdb8f7903 1.4.0"


def test_scrub_redacts_values_and_keys_in_nested_containers() -> None:
    value = {"+14155550123": ["415-555-0123", ("tel:+14155550123", 7, None)], 3: 4155550123}
    assert scrub(value) == {REDACTED: [REDACTED, (f"tel:{REDACTED}", 7, None)], 3: 4155550123}


def test_scrub_cuts_off_nesting_past_its_depth_bound() -> None:
    deep: list[Any] = ["+14155550123"]
    for _ in range(1000):
        deep = [deep]
    assert US_TAIL not in json.dumps(scrub(deep))


def test_scrub_survives_a_container_that_contains_itself() -> None:
    loop: dict[str, Any] = {"number": "+14155550123"}
    loop["self"] = loop
    assert US_TAIL not in repr(scrub(loop))


# --- a realistic event, as sentry-sdk builds it for a failing Flask request -----------------

EVENT_ID = "0d7777296c7b4fb6b8d12eebdb8f7903"
TRACE_ID = "4fb6b8d12eebdb8f79030d7777296c7b"
SPAN_ID = "1234567890123456"  # all digits, still a span id
REQUEST_ID = "6f1c2a0e-8e47-4a3b-9a55-1d2a6c3b9e01"
TIMESTAMP = "2026-11-24T22:49:55.566736+00:00"


def flask_event() -> dict[str, Any]:
    frame = {
        "filename": "pepper/screening/service.py",
        "abs_path": "/app/pepper/screening/service.py",
        "function": "screen",
        "module": "pepper.screening.service",
        "lineno": 42,
        "pre_context": ["def screen(number):", '    fallback = "+1 (415) 555-0123"'],
        "context_line": '    raise InvalidNumber(f"cannot screen {number}")  # 415.555.0123',
        "post_context": ["", "# see tel:+442079460958"],
        "vars": {"number": "'+14155550123'", "other": "'0044 20 7946 0958'"},
        "in_app": True,
    }
    return {
        "event_id": EVENT_ID,
        "timestamp": TIMESTAMP,
        "level": "error",
        "platform": "python",
        "release": "pepper@1.4.0",
        "environment": "production",
        "server_name": "web-1",
        "transaction": "/v1/numbers/+14155550123",
        "transaction_info": {"source": "url"},
        "sdk": {"name": "sentry.python.flask", "version": "2.75.0"},
        "message": "screening failed for (415) 555-0123",
        "logentry": {
            "message": "screening failed for %s",
            "params": ["+442079460958", "1 415 555 0123"],
            "formatted": "screening failed for +442079460958",
        },
        "exception": {
            "values": [
                {
                    "type": "InvalidNumber",
                    "value": "cannot screen +14155550123 (also 011 44 20 7946 0958)",
                    "module": "pepper.numbers.errors",
                    "mechanism": {"type": "flask", "handled": False},
                    "stacktrace": {"frames": [frame]},
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {
                    "type": "log",
                    "category": "pepper.screening",
                    "level": "info",
                    "message": "incoming call from 415-555-0123 to +44 20 7946 0958",
                    "timestamp": TIMESTAMP,
                    "data": {},
                },
                {
                    "type": "http",
                    "category": "httplib",
                    "timestamp": TIMESTAMP,
                    "data": {
                        "url": "https://lookups.twilio.com/v2/PhoneNumbers/%2B14155550123",
                        "http.query": "Fields=caller_name&To=%2B442079460958",
                        "method": "GET",
                        "status_code": 404,
                    },
                },
            ]
        },
        "request": {
            "url": "https://pepper.example/v1/numbers/%2B14155550123",
            "method": "POST",
            "query_string": "number=+14155550123&from= 14155550123&uk=0044%2020%207946%200958",
            "data": {
                "From": "+14155550123",
                "To": "+442079460958",
                "CallSid": "CA" + EVENT_ID,
                "Caller": "tel:4155550123",
            },
            "cookies": {"session": "4155550123"},
            "headers": {
                "User-Agent": "TwilioProxy/1.1",
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": "c2lnbmF0dXJl",
                "X-Caller": "+14155550123",
            },
            "env": {"REMOTE_ADDR": "203.0.113.9", "SERVER_NAME": "pepper.example"},
        },
        "tags": {
            "device.model": "Pixel 8",
            "os.version": "14.2.1",
            "app.version": "1.4.0",
            "caller": "+1 415 555 0123",
            "request_id": REQUEST_ID,
        },
        "extra": {
            "sys.argv": ["gunicorn", "pepper.wsgi:app"],
            "lookup": {"uri": "sip:+14155550123@sip.example.com", "at": TIMESTAMP},
        },
        "contexts": {
            "trace": {"trace_id": TRACE_ID, "span_id": SPAN_ID, "op": "http.server"},
            "runtime": {"name": "CPython", "version": "3.11.9"},
            "caller": {"number": "415-555-0123"},
        },
        "user": {
            "id": "4155550123",
            "ip_address": "203.0.113.9",
            "email": "alice@example.com",
            "username": "alice",
        },
    }


def test_before_send_leaves_no_phone_number_anywhere_in_the_event() -> None:
    sent = json.dumps(before_send(flask_event(), {}))
    for text, tail in FORMATS:
        assert text not in sent
        assert tail not in sent
    for kept in (EVENT_ID, TRACE_ID, SPAN_ID, REQUEST_ID, TIMESTAMP, "1.4.0", "14.2.1", "3.11.9"):
        assert kept in sent


def test_before_send_drops_frame_vars_user_identity_cookies_and_unlisted_headers() -> None:
    sent = before_send(flask_event(), {})
    assert sent is not None
    frame = sent["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert "vars" not in frame
    assert frame["lineno"] == 42
    assert sent["user"] == {"id": REDACTED}
    assert "cookies" not in sent["request"]
    assert "env" not in sent["request"]
    assert set(sent["request"]["headers"]) == {"User-Agent", "Content-Type"}
    assert sent["request"]["data"]["From"] == REDACTED


def test_before_send_keeps_the_event_readable() -> None:
    sent = before_send(flask_event(), {})
    assert sent is not None
    assert sent["transaction"] == f"/v1/numbers/{REDACTED}"
    assert sent["logentry"]["message"] == "screening failed for %s"
    assert sent["tags"]["device.model"] == "Pixel 8"
    assert sent["request"]["data"]["CallSid"] == "CA" + EVENT_ID


def test_before_breadcrumb_scrubs_message_and_data() -> None:
    crumb = flask_event()["breadcrumbs"]["values"][1]
    crumb["message"] = "calling +14155550123"
    out = before_breadcrumb(crumb, {})
    assert out is not None
    assert US_TAIL not in json.dumps(out)
    assert UK_TAIL not in json.dumps(out)
    assert out["data"]["status_code"] == 404


def test_before_send_returns_none_for_something_that_is_not_an_event() -> None:
    assert before_send(None, {}) is None  # type: ignore[arg-type]


def test_before_send_reports_its_own_failure_without_the_original_data() -> None:
    class Exploding(dict[str, Any]):
        def items(self) -> Any:
            raise RuntimeError("+14155550123")

    event = Exploding(event_id=EVENT_ID, message="+14155550123")
    sent = before_send(event, {})
    assert sent is not None
    assert sent["event_id"] == EVENT_ID
    assert sent["tags"] == {"scrub_error": "RuntimeError"}
    assert US_TAIL not in json.dumps(sent)


# --- properties -----------------------------------------------------------------------------

NANP = st.tuples(
    st.integers(2, 9),
    st.integers(0, 99),
    st.integers(2, 9),
    st.integers(0, 99),
    st.integers(0, 9999),
).map(lambda t: (f"{t[0]}{t[1]:02d}", f"{t[2]}{t[3]:02d}", f"{t[4]:04d}"))

NANP_STYLES: list[Callable[[str, str, str], str]] = [
    lambda a, e, n: f"+1{a}{e}{n}",
    lambda a, e, n: f"{a}{e}{n}",
    lambda a, e, n: f"({a}) {e}-{n}",
    lambda a, e, n: f"{a}-{e}-{n}",
    lambda a, e, n: f"{a}.{e}.{n}",
    lambda a, e, n: f"1 {a} {e} {n}",
    lambda a, e, n: f"+1 ({a}) {e}-{n}",
    lambda a, e, n: f"1-{a}-{e}-{n}",
    lambda a, e, n: f"tel:+1{a}{e}{n}",
    lambda a, e, n: f"sip:+1{a}{e}{n}@sip.example",
    lambda a, e, n: f"%2B1{a}{e}{n}",
    lambda a, e, n: f"%2B1%20{a}%20{e}%20{n}",
    lambda a, e, n: f" 1{a}{e}{n}",
    lambda a, e, n: f"011 1 {a} {e} {n}",
    lambda a, e, n: f"/v1/numbers/%2B1{a}{e}{n}/reports",
    lambda a, e, n: f"?number={a}{e}{n}&x=y",
]
# Text without digits; the glue around the number is never a letter or a digit, so the number
# cannot become part of a (kept) hex id.
FILLER = st.text(st.characters(categories=["L", "P", "Zs"], exclude_characters="0123456789"))
GLUE = st.sampled_from(["", " ", "=", ",", ":", "'", '"', "<", ">", "\n", "&", ";"])


@given(FILLER, GLUE, NANP, st.sampled_from(NANP_STYLES), GLUE, FILLER)
def test_redact_removes_any_nanp_number_embedded_in_text(
    before: str,
    left: str,
    number: tuple[str, str, str],
    style: Callable[[str, str, str], str],
    right: str,
    after: str,
) -> None:
    area, exchange, line = number
    out = redact(before + left + style(area, exchange, line) + right + after)
    assert exchange + line not in digits(out)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children)
        | st.tuples(children, children)
        | st.dictionaries(st.text() | st.integers(), children)
    ),
    max_leaves=50,
)


@given(JSON)
def test_scrub_never_raises_on_json_like_values(value: object) -> None:
    scrub(value)


EVENT_KEYS = st.sampled_from(
    [
        "event_id",
        "message",
        "logentry",
        "exception",
        "threads",
        "stacktrace",
        "breadcrumbs",
        "request",
        "user",
        "tags",
        "extra",
        "contexts",
        "transaction",
    ]
)
SMALL_JSON = st.recursive(
    st.none() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=8,
)
FRAMES = st.fixed_dictionaries(
    {
        "frames": st.lists(
            st.dictionaries(st.text(), SMALL_JSON, max_size=3) | SMALL_JSON, max_size=3
        )
    }
)
STACKTRACES = st.lists(st.fixed_dictionaries({"stacktrace": FRAMES | SMALL_JSON}), max_size=3)
MALFORMED = st.dictionaries(
    EVENT_KEYS | st.text(max_size=10),
    SMALL_JSON
    | st.fixed_dictionaries({"values": STACKTRACES})
    | st.fixed_dictionaries({"headers": SMALL_JSON, "cookies": SMALL_JSON, "env": SMALL_JSON}),
    max_size=8,
)


@given(MALFORMED)
def test_before_send_never_raises_on_malformed_events(event: dict[str, Any]) -> None:
    out = before_send(event, {})
    assert out is None or isinstance(out, dict)


@settings(max_examples=25)
@given(JSON)
def test_before_send_and_before_breadcrumb_accept_anything(value: Any) -> None:
    assert before_send(value, {}) is None or isinstance(before_send(value, {}), dict)
    assert before_breadcrumb(value, {}) is None or isinstance(before_breadcrumb(value, {}), dict)


# --- performance ----------------------------------------------------------------------------


def test_scrubbing_a_one_megabyte_string_finishes() -> None:
    chunk = "caller +1 (415) 555-0123 at 2026-11-24T22:49:55Z id 0d7777296c7b4fb6b8d12eebdb8f7903 "
    text = chunk * (1_000_000 // len(chunk))
    started = time.perf_counter()
    out = redact(text)
    print(f"redact 1 MB: {time.perf_counter() - started:.3f}s")
    assert US_TAIL not in out


def test_scrubbing_an_event_with_ten_thousand_breadcrumbs_finishes() -> None:
    event = flask_event()
    crumb = event["breadcrumbs"]["values"][0]
    event["breadcrumbs"]["values"] = [dict(crumb) for _ in range(10_000)]
    started = time.perf_counter()
    sent = before_send(event, {})
    print(f"before_send with 10,000 breadcrumbs: {time.perf_counter() - started:.3f}s")
    assert sent is not None
    assert len(sent["breadcrumbs"]["values"]) == 10_000
    assert US_TAIL not in json.dumps(sent)


def test_a_sql_breadcrumb_keeps_the_head_of_its_statement_scrubbed_and_no_data() -> None:
    statement = "SELECT * FROM calls WHERE note = '+1 415 555 0123' AND " + "x = 1 AND " * 400
    crumb = {"category": "query", "message": statement, "data": {"db.params": ["+14155550123"]}}
    out = before_breadcrumb(crumb, {})
    assert out is not None
    assert len(out["message"]) <= QUERY_CRUMB_CHARS
    assert out["message"].startswith("SELECT * FROM calls WHERE note = ")
    assert "555" not in repr(out)
    assert out["data"] == {}
    assert crumb["data"] == {"db.params": ["+14155550123"]}  # the caller's dict is untouched
