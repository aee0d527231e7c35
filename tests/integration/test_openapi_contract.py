"""Schemathesis against the app: no 5xx and no response that breaks its own schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from pepper import create_app
from pepper.db import migrations
from pepper.runtime import runtime
from pepper.settings import Settings
from tests.support.factories import register


@pytest.fixture(scope="module")
def contract_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    var: Path = tmp_path_factory.mktemp("contract")
    url = f"sqlite:///{var / 'pepper.sqlite3'}"
    migrations.upgrade(url)
    # Generous limits: the fuzzer sends many requests from one address.
    app = create_app(
        Settings(
            env="test",
            var_dir=var,
            database_url=url,
            rate_limit_register="100000/hour",
            rate_limit_default="100000/minute",
            rate_limit_screen="100000/minute",
            rate_limit_reports="100000/hour",
            rate_limit_lookup="100000/minute",
        )
    )
    yield app
    with app.app_context():
        runtime().close()


@pytest.fixture(scope="module")
def device_headers(contract_app: Flask) -> dict[str, str]:
    return register(contract_app.test_client())


@pytest.fixture(scope="module")
def api_schema(contract_app: Flask) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_wsgi("/openapi.json", contract_app)


def test_the_api_keeps_its_own_contract(
    api_schema: schemathesis.BaseSchema, device_headers: dict[str, str]
) -> None:
    # Driven through Hypothesis directly: schemathesis' pytest plugin does not yet
    # follow pytest 9's node API.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            # Phone numbers are strings whose validity no JSON Schema can state, so a
            # schema-valid body may rightly be refused (422): positive-data acceptance
            # is the one check that cannot hold.
            case.call_and_validate(
                headers=device_headers, excluded_checks=[positive_data_acceptance]
            )

        check()
