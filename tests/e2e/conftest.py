from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pepper.db import migrations
from tests.support.server import gunicorn


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A gunicorn with two workers on the embedded default (a migrated SQLite file)."""
    var = tmp_path_factory.mktemp("var")
    url = f"sqlite:///{var / 'pepper.sqlite3'}"
    migrations.upgrade(url)
    with gunicorn({"PEPPER_DATABASE_URL": url, "PEPPER_VAR_DIR": str(var)}) as base_url:
        yield base_url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent.name == "e2e":
            item.add_marker(pytest.mark.slow)
