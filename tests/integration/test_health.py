from pathlib import Path

from flask.testing import FlaskClient

from pepper import create_app
from pepper.runtime import runtime
from pepper.settings import Settings


def test_livez_answers_for_the_process_alone(client: FlaskClient) -> None:
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.json == {"status": "alive"}


def test_readyz_reports_a_migrated_database_and_redis_when_configured(
    client: FlaskClient, settings: Settings
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json
    assert body is not None
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert ("redis" in body["checks"]) == (settings.redis_url is not None)


def test_readyz_is_503_problem_json_on_an_unmigrated_database(tmp_path: Path) -> None:
    app = create_app(Settings(env="test", var_dir=tmp_path))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.json is not None
    assert "not migrated" in response.json["checks"]["database"]["detail"]
    with app.app_context():
        runtime().close()


def test_readyz_is_503_when_redis_is_unreachable(sqlite_url: str, tmp_path: Path) -> None:
    # Port 1 on loopback refuses connections at once.
    settings = Settings(
        env="test", var_dir=tmp_path, database_url=sqlite_url, redis_url="redis://127.0.0.1:1/0"
    )
    app = create_app(settings)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json is not None
    assert response.json["checks"]["redis"]["ok"] is False
    assert response.json["checks"]["database"]["ok"] is True
    with app.app_context():
        runtime().close()
