"""Load benchmark of signed POST /twilio/voice against a bare Flask endpoint, same run.

PostgreSQL + Redis, gunicorn with the shipped configuration, one subscriber in
challenge mode; the webhooks are signed beforehand with the twilio SDK (distinct
CallSids and callers, some complained about, some unknown), so Pepper verifies every
signature, decides, and stores every call.

    .venv/bin/python -m bench.twilio_load [--seconds 15]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.wrk import NO_LIMITS, ROUND_S, compare, report
from pepper import create_app
from pepper.carriers.twilio import subscribers
from pepper.db import migrations
from pepper.runtime import runtime
from pepper.settings import Settings
from tests.support.services import postgres_database, redis_prefix
from tests.support.twilio import RING_TO, TOKEN, TWILIO_NUMBER

RESULTS = Path(__file__).parent / "results" / "twilio_load.json"
REQUESTS = 2000


def seed(url: str) -> None:
    app = create_app(Settings(env="test", database_url=url))
    with app.app_context():
        rt = runtime()
        with rt.uow() as uow:
            subscribers.add(
                uow, twilio_number=TWILIO_NUMBER, ring_to=RING_TO, mode="challenge",
                device_id=None, region="US",
            )  # fmt: skip
        rt.close()


def signed_requests(base_url: str) -> list[str]:
    validator = RequestValidator(TOKEN)
    lines = []
    for n in range(REQUESTS):
        params = {
            "CallSid": f"CA{n:032d}",
            "AccountSid": "AC" + "1" * 32,
            "From": f"+1202555{n % 1000:04d}",
            "To": TWILIO_NUMBER,
            "CallStatus": "ringing",
            "StirVerstat": "TN-Validation-Passed-B" if n % 3 else "TN-Validation-Failed-C",
        }
        signature = validator.compute_signature(f"{base_url}/twilio/voice", params)
        lines.append(f"{signature}\t{urlencode(params)}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=ROUND_S)
    seconds = parser.parse_args().seconds
    public = "https://pepper.bench.invalid"
    with postgres_database("bench") as url, redis_prefix() as (redis_url, prefix):
        migrations.upgrade(url)
        seed(url)
        with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as handle:
            handle.write("\n".join(signed_requests(public)) + "\n")
        env = {
            "PEPPER_DATABASE_URL": url, "PEPPER_REDIS_URL": redis_url,
            "PEPPER_REDIS_PREFIX": prefix, "PEPPER_TWILIO_AUTH_TOKEN": TOKEN,
            "PEPPER_PUBLIC_BASE_URL": public, **NO_LIMITS,
        }  # fmt: skip
        apps = [("bare", "bench.bare_app:app"), ("pepper", "wsgi:app")]
        lua_env = {"PEPPER_BENCH_REQUESTS": handle.name}
        results: dict[str, Any] = compare(apps, "twilio.lua", seconds, env, lua_env)
        os.unlink(handle.name)
    report(results, RESULTS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
