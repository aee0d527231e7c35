"""Every gunicorn worker serves a newly activated model version within 10 s."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

from pepper.db import migrations
from pepper.model import registry
from pepper.model.service import train_and_register
from pepper.runtime import Runtime
from pepper.settings import Settings
from tests.support.server import gunicorn


def served_version(base_url: str) -> str:
    request = urllib.request.Request(  # noqa: S310 - loopback http only
        f"{base_url}/readyz", headers={"Connection": "close"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return str(json.load(response)["model_version"])


def test_all_workers_switch_to_an_activated_version_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pepper.sqlite3'}"
    models = tmp_path / "models"
    migrations.upgrade(url)
    settings = Settings(env="test", database_url=url, models_dir=models, ftc_data=tmp_path / "x")
    rt = Runtime.build(settings)
    try:
        first = train_and_register(
            rt.uow, models_dir=models, rows=4000, seed=1, ftc_path=None
        ).version
        env = {
            "PEPPER_DATABASE_URL": url,
            "PEPPER_MODELS_DIR": str(models),
            "PEPPER_MODEL_POLL_S": "1",
        }
        with gunicorn(env, workers=3) as base_url:
            assert {served_version(base_url) for _ in range(12)} == {first}
            second = train_and_register(
                rt.uow, models_dir=models, rows=4000, seed=2, ftc_path=None, force=True
            ).version
            for wanted in (second, first):
                if wanted == first:
                    with rt.uow() as uow:
                        registry.activate(uow, first)
                activated = time.monotonic()
                while True:
                    seen = {served_version(base_url) for _ in range(12)}
                    if seen == {wanted}:
                        break
                    assert time.monotonic() - activated < 10, seen
                    time.sleep(0.2)
    finally:
        rt.close()
