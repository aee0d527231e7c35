"""The real thing: gunicorn workers answering over HTTP."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.server import REPO


def get(url: str) -> tuple[int, str, dict]:  # type: ignore[type-arg]
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return response.status, response.headers.get_content_type(), json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), json.load(error)


def test_gunicorn_serves_liveness_and_readiness(server: str) -> None:
    assert get(f"{server}/livez")[:2] == (200, "application/json")
    status, _, body = get(f"{server}/readyz")
    assert status == 200
    assert body["checks"]["database"]["ok"] is True


def test_gunicorn_answers_unknown_routes_with_problem_json(server: str) -> None:
    status, content_type, body = get(f"{server}/nothing-here")
    assert (status, content_type, body["code"]) == (404, "application/problem+json", "not_found")


def test_a_production_start_on_sqlite_is_refused_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "PEPPER_ENV": "production", "PEPPER_SECRET_KEY": "k" * 40}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("pepper")), "db", "current"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "PostgreSQL" in result.stderr
