"""gunicorn's access log as an operator reads it: one line per request, no phone numbers,
and the request id the response carried (pepper/http/access_log.py)."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pepper.db import migrations
from tests.support.server import gunicorn

LINE = re.compile(
    r'^(?P<client>\S+) "(?P<method>[A-Z]+) (?P<path>\S+)" (?P<status>\d{3}) (?P<bytes>\d+)'
    r" (?P<ms>\d+)ms rid=(?P<rid>\S+)$"
)
NUMBER = "+12025550143"


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    var = tmp_path_factory.mktemp("var")
    url = f"sqlite:///{var / 'pepper.sqlite3'}"
    migrations.upgrade(url)
    access = var / "access.log"
    env = {"PEPPER_DATABASE_URL": url, "PEPPER_VAR_DIR": str(var), "PEPPER_ACCESS_LOG": str(access)}
    with gunicorn(env) as base_url:
        yield base_url, access


def request(
    url: str, headers: dict[str, str] | None = None, json_body: bytes | None = None
) -> tuple[int, str, int]:
    """Status, the response's X-Request-ID, and the body's length (a POST with a body)."""
    headers = {**(headers or {}), **({"Content-Type": "application/json"} if json_body else {})}
    sent = urllib.request.Request(url, data=json_body, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(sent, timeout=5) as response:  # noqa: S310
            return response.status, response.headers["X-Request-ID"], len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["X-Request-ID"], len(error.read())


def lines_of(access: Path, rid: str) -> list[re.Match[str]]:
    """The access lines of request ``rid`` (gunicorn writes a line once the response is sent)."""
    deadline = time.monotonic() + 5
    while True:
        text = access.read_text() if access.exists() else ""
        found = [m for m in map(LINE.match, text.splitlines()) if m and m["rid"] == rid]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_a_line_per_request_with_the_clients_request_id(logged: tuple[str, Path]) -> None:
    base_url, access = logged
    status, rid, size = request(f"{base_url}/readyz", {"X-Request-ID": "probe-1234abcd"})
    assert (status, rid) == (200, "probe-1234abcd")
    [line] = lines_of(access, rid)
    assert (line["method"], line["path"], line["status"]) == ("GET", "/readyz", "200")
    assert int(line["bytes"]) == size
    assert line["client"] == "127.0.0.1"


def test_a_request_without_an_id_is_logged_with_the_one_pepper_made(
    logged: tuple[str, Path],
) -> None:
    base_url, access = logged
    status, rid, _ = request(f"{base_url}/nothing-here")
    assert status == 404
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    [line] = lines_of(access, rid)
    assert (line["path"], line["status"]) == ("/nothing-here", "404")


@pytest.mark.parametrize(
    ("path", "status", "logged_path"),
    [
        # A route is logged by its rule (refused without a device token, logged the same).
        ("/v1/numbers/%2B12025550143?region=US", 401, "/v1/numbers/<path:number>"),
        # A path no route matched, with its digits masked.
        ("/v1/number/%2B12025550143", 404, "/v#/number/+###########"),
    ],
)
def test_no_phone_number_in_a_path_reaches_the_log(
    logged: tuple[str, Path], path: str, status: int, logged_path: str
) -> None:
    base_url, access = logged
    answered, rid, _ = request(base_url + path)
    assert answered == status
    [line] = lines_of(access, rid)
    assert (line["path"], line["status"]) == (logged_path, str(status))
    assert NUMBER.removeprefix("+") not in access.read_text()


def test_the_direct_call_routes_are_logged_too(logged: tuple[str, Path]) -> None:
    base_url, access = logged
    status, rid, _ = request(f"{base_url}/v1/screen", json_body=b"{}")
    assert status == 401  # no device token
    [line] = lines_of(access, rid)
    assert (line["method"], line["path"], line["status"]) == ("POST", "/v1/screen", "401")
