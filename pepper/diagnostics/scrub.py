"""Keep phone numbers out of Sentry: ``before_send`` and ``before_breadcrumb`` hooks.

Pure code (standard library only). sentry-sdk silently drops an event whose hook raises,
so every public function here catches everything.

What counts as a phone number
    Any run of 7 or more digits in which digit groups may be separated by up to three
    separator tokens: space, ``-``, ``.``, ``/``, ``(``, ``)``, ``+``, ``%20``, ``%2B``,
    ``%28``, ``%29``; an optional leading ``+``, ``%2B`` or ``(`` is taken with it. That
    covers E.164, national and international formats, ``tel:``/``sip:`` URIs, URL-encoded
    numbers, numbers in paths and query strings, and digits glued to words
    (``caller4155550123`` -> ``caller[phone]``). The whole run becomes ``[phone]``.

Trade-offs (we would rather lose a long id than leak a number)
    * Over-redacts: epoch timestamps and durations written as strings, database ids, port
      and IP runs, dotted IPs, ``YYYY/MM`` oddities: any string digit run of 7+ digits.
    * Kept on purpose: ISO dates and timestamps (``2026-11-24T22:49:55.566736+00:00``,
      ``2026/11/24``), times with fractional seconds, semantic versions (``1.4.0``,
      ``14.2.1``: standalone ``a.b.c`` with 1-3 digits each), UUIDs, and hex tokens of 24+
      characters containing at least one letter (Sentry event and trace ids, request ids,
      Twilio SIDs). A phone number glued inside such a token (``deadbeefcafe4155550123ab``)
      is therefore kept: an accepted risk, real text does not look like that.
    * Under keys ``event_id``, ``trace_id``, ``span_id`` ... a value made only of hex
      digits (16 or 32 of them, or a UUID) is kept even without a letter.
    * Non-string scalars (ints, floats) are left alone: a number stored as an ``int`` in
      ``extra`` is not caught. sentry-sdk serialises local variables to strings, and we
      drop ``vars`` anyway.
    * Dictionary keys are redacted too; two keys that redact to the same text collapse.

Bounds
    Nesting deeper than ``MAX_DEPTH`` becomes ``"[too deep]"``; once ``MAX_NODES`` values
    or ``MAX_CHARS`` characters have been scrubbed, every further string becomes
    ``"[scrub budget exceeded]"``. The regular expression is linear in the input.

Failure
    If ``before_send`` fails internally it returns a minimal event that carries no data
    from the original (only a safe event id, level and the error's type) so that we learn
    the scrubber broke; if even that fails it returns ``None``. ``before_breadcrumb``
    returns ``None`` on failure: a lost breadcrumb costs little.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

__all__ = ["REDACTED", "before_breadcrumb", "before_send", "redact", "scrub"]

REDACTED = "[phone]"
TOO_DEEP = "[too deep]"
OVER_BUDGET = "[scrub budget exceeded]"
MAX_DEPTH = 20
MAX_NODES = 1_000_000
MAX_CHARS = 64 * 1024 * 1024
MIN_DIGITS = 7

_HEX = "[0-9a-fA-F]"
_NOT_ALNUM_BEFORE = "(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = "(?![0-9A-Za-z])"
# Shapes that hold long digit runs but are not phone numbers. No capture groups: the
# pattern is embedded twice below.
_KEEP = "|".join(
    [
        # UUID
        rf"{_NOT_ALNUM_BEFORE}{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
        rf"{_NOT_ALNUM_AFTER}",
        # hex id with at least one letter (event ids, trace ids, SIDs)
        rf"{_NOT_ALNUM_BEFORE}(?={_HEX}*[a-fA-F]){_HEX}{{24,}}{_NOT_ALNUM_AFTER}",
        # ISO date, optionally with a time and an offset
        r"(?<!\d)(?:19|20)[0-9]{2}[-/](?:0[1-9]|1[0-2])[-/](?:0[1-9]|[12][0-9]|3[01])"
        r"(?:[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.,][0-9]{1,9})?)?"
        r"(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])?)?(?!\d)",
        # time of day with seconds
        r"(?<!\d)(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:[.,][0-9]{1,9})?"
        r"(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])?(?!\d)",
        # semantic version a.b.c, standing alone
        r"(?<![\d.])[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![\d.])",
    ]
)
_SEP = r"(?:[ \-./()+]|%20|%2[bB]|%28|%29)"
_PHONE = rf"(?:\+|%2[bB]|\()?\d+(?:{_SEP}{{1,3}}(?!{_KEEP})\d+)*"
_PATTERN = re.compile(rf"(?P<keep>{_KEEP})|(?P<phone>{_PHONE})")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_DIGIT = re.compile(r"\d")
_ID_VALUE = re.compile(rf"{_HEX}{{16}}|{_HEX}{{32}}|{_HEX}{{8}}(?:-{_HEX}{{4}}){{3}}-{_HEX}{{12}}")
_ID_KEYS = frozenset(
    {"event_id", "trace_id", "span_id", "parent_span_id", "profile_id", "replay_id"}
)
_HEADER_ALLOW = frozenset({"user-agent", "content-type", "content-length", "accept"})
_USER_DROP = ("ip_address", "email", "username")
_REQUEST_DROP = ("cookies", "env")


def _replace(match: re.Match[str]) -> str:
    text = match.group(0)
    if match.group("keep") is not None:
        return text
    digits = len(_DIGIT.findall(_ESCAPE.sub("", text)))
    return REDACTED if digits >= MIN_DIGITS else text


def redact(text: str) -> str:
    """Replace everything in ``text`` that looks like a phone number with ``REDACTED``."""
    if _DIGIT.search(text) is None:
        return text
    return _PATTERN.sub(_replace, text)


class _Budget:
    """Work left before scrubbing gives up on content and writes placeholders."""

    def __init__(self) -> None:
        self.nodes = MAX_NODES
        self.chars = MAX_CHARS

    def spend(self, chars: int) -> bool:
        self.nodes -= 1
        self.chars -= chars
        return self.nodes >= 0 and self.chars >= 0


def _scrub_str(text: str, budget: _Budget) -> str:
    return redact(text) if budget.spend(len(text)) else OVER_BUDGET


def _scrub(value: object, depth: int, budget: _Budget, key: object = None) -> object:
    if isinstance(value, str):
        if key in _ID_KEYS and _ID_VALUE.fullmatch(value):
            return value
        return _scrub_str(value, budget)
    if not isinstance(value, dict | list | tuple):
        return value
    if depth >= MAX_DEPTH:
        return TOO_DEEP
    if not budget.spend(0):
        return OVER_BUDGET
    if isinstance(value, dict):
        out: dict[object, object] = {}
        for k, v in value.items():
            new_key = _scrub_str(k, budget) if isinstance(k, str) else k
            out[new_key] = _scrub(v, depth + 1, budget, k)
        return out
    items = [_scrub(v, depth + 1, budget) for v in value]
    return tuple(items) if isinstance(value, tuple) else items


def scrub(value: object) -> object:
    """Return a copy of ``value`` with phone numbers redacted from every string in it."""
    return _scrub(value, 0, _Budget())


def _values(container: object) -> list[Any]:
    """The list inside Sentry's ``{"values": [...]}`` interface (or a bare list)."""
    if isinstance(container, dict):
        container = container.get("values")
    return container if isinstance(container, list) else []


def _frames(event: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stacktraces = [event.get("stacktrace")]
    for key in ("exception", "threads"):
        stacktraces += [v.get("stacktrace") for v in _values(event.get(key)) if isinstance(v, dict)]
    for stacktrace in stacktraces:
        if isinstance(stacktrace, dict) and isinstance(stacktrace.get("frames"), list):
            yield from (f for f in stacktrace["frames"] if isinstance(f, dict))


def _tidy_request(request: dict[str, Any]) -> None:
    for key in _REQUEST_DROP:
        request.pop(key, None)
    headers = request.get("headers")
    if isinstance(headers, dict):
        request["headers"] = {
            k: v for k, v in headers.items() if isinstance(k, str) and k.lower() in _HEADER_ALLOW
        }
    elif isinstance(headers, list):
        request["headers"] = [
            pair
            for pair in headers
            if isinstance(pair, list | tuple)
            and len(pair) == 2
            and isinstance(pair[0], str)
            and pair[0].lower() in _HEADER_ALLOW
        ]
    elif headers is not None:
        del request["headers"]


def _tidy(event: dict[str, Any]) -> dict[str, Any]:
    """Drop what must never be sent (in place, on the scrubbed copy)."""
    for frame in _frames(event):
        frame.pop("vars", None)
    if isinstance(event.get("request"), dict):
        _tidy_request(event["request"])
    if isinstance(event.get("user"), dict):
        event["user"] = {k: v for k, v in event["user"].items() if k not in _USER_DROP}
    return event


def _fallback(event: object, error: BaseException) -> dict[str, Any]:
    """A minimal event that says scrubbing failed and carries nothing from the original."""
    safe: dict[str, Any] = {
        "level": "error",
        "message": "pepper.diagnostics.scrub failed; original event withheld",
        "tags": {"scrub_error": type(error).__name__},
    }
    event_id = event.get("event_id") if isinstance(event, dict) else None
    if isinstance(event_id, str) and _ID_VALUE.fullmatch(event_id):
        safe["event_id"] = event_id
    return safe


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """sentry-sdk ``before_send``: the event without phone numbers, never raising."""
    try:
        raw: object = event  # typed as a dict, but sentry-sdk hands us whatever it has
        if not isinstance(raw, dict):
            return None
        scrubbed = scrub(raw)
        return _tidy(scrubbed) if isinstance(scrubbed, dict) else None
    except Exception as error:
        try:
            return _fallback(event, error)
        except Exception:
            return None


# A SQL breadcrumb keeps this much of its statement: enough to name the query. Scrubbing
# a whole statement (the decision's is ~2 kB) on every query cost ~0.5 ms per call.
QUERY_CRUMB_CHARS = 160


def before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """sentry-sdk ``before_breadcrumb``: the breadcrumb without phone numbers, or None."""
    try:
        if crumb.get("category") == "query":
            # Statements carry placeholders, never values; they are still scrubbed, but
            # only the head that is kept, and no query data travels with them.
            message = crumb.get("message")
            crumb = {**crumb, "data": {}}
            if isinstance(message, str):
                crumb["message"] = message[:QUERY_CRUMB_CHARS]
        scrubbed = scrub(crumb)
        return scrubbed if isinstance(scrubbed, dict) else None
    except Exception:
        return None
