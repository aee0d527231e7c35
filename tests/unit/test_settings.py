from pathlib import Path

import pytest

from pepper.settings import DEFAULT_SECRET, Settings, SettingsError, load_settings

GOOD_SECRET = "s" * 40
PG = "postgresql+psycopg://pepper@db.internal/pepper"


def test_the_embedded_default_is_a_sqlite_file_under_var(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'pepper.sqlite3'}"
    assert settings.redis_url is None
    assert settings.is_sqlite


def test_settings_are_read_from_pepper_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PEPPER_DATABASE_URL", PG)
    monkeypatch.setenv("PEPPER_REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("PEPPER_DB_STATEMENT_TIMEOUT_MS", "750")
    settings = load_settings()
    assert settings.database_url == PG
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.db_statement_timeout_ms == 750


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"database_url": PG, "redis_url": "redis://r"}, "PEPPER_SECRET_KEY"),
        (
            {"secret_key": DEFAULT_SECRET, "database_url": PG, "redis_url": "redis://r"},
            "PEPPER_SECRET_KEY",
        ),
        ({"secret_key": "short", "database_url": PG, "redis_url": "redis://r"}, "at least"),
        ({"secret_key": GOOD_SECRET, "redis_url": "redis://r"}, "PostgreSQL"),
        ({"secret_key": GOOD_SECRET, "database_url": PG}, "PEPPER_REDIS_URL"),
    ],
)
def test_production_refuses_to_start_on_defaults_with_a_one_line_reason(
    overrides: dict[str, str], fragment: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env="production", **overrides)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


def test_a_complete_production_configuration_starts() -> None:
    settings = load_settings(
        env="production", secret_key=GOOD_SECRET, database_url=PG, redis_url="redis://r:6379"
    )
    assert settings.is_production
    assert not settings.is_sqlite


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"database_url": "mysql://x/y"}, "PEPPER_DATABASE_URL"),
        ({"redis_url": "http://cache"}, "PEPPER_REDIS_URL"),
        ({"db_statement_timeout_ms": "soon"}, "PEPPER_DB_STATEMENT_TIMEOUT_MS"),
        ({"default_region": "usa"}, "PEPPER_DEFAULT_REGION"),
        ({"default_region": "XX"}, "PEPPER_DEFAULT_REGION"),
        ({"env": "staging"}, "PEPPER_ENV"),
    ],
)
def test_unparseable_values_fail_fast_naming_the_variable(
    overrides: dict[str, str], fragment: str
) -> None:
    with pytest.raises(SettingsError, match=fragment):
        load_settings(**overrides)
