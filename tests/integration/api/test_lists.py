from flask.testing import FlaskClient

from tests.support.factories import register


def test_entries_are_added_once_listed_in_pages_and_deleted(client: FlaskClient) -> None:
    headers = register(client)
    patterns = ["+1415555*", "(212) 555-0100", "+44 20 7946 0958"]
    ids = []
    for pattern in patterns:
        response = client.post("/v1/lists/block", json={"pattern": pattern}, headers=headers)
        assert response.status_code == 201
        assert response.json is not None
        ids.append(response.json["id"])
    again = client.post("/v1/lists/block", json={"pattern": "+12125550100"}, headers=headers)
    assert (again.status_code, again.json["id"]) == (200, ids[1])  # type: ignore[index]

    first = client.get("/v1/lists/block?limit=2", headers=headers).json
    assert first is not None
    assert [e["pattern"] for e in first["items"]] == ["+1415555*", "+12125550100"]
    rest = client.get(f"/v1/lists/block?limit=2&after={first['next_cursor']}", headers=headers).json
    assert rest == {"items": [rest["items"][0]], "next_cursor": None}  # type: ignore[index]
    assert rest["items"][0]["pattern"] == "+442079460958"  # type: ignore[index]

    assert client.delete(f"/v1/lists/block/{ids[0]}", headers=headers).status_code == 204
    assert client.get(f"/v1/lists/block/{ids[0]}", headers=headers).status_code == 404
    assert client.get("/v1/lists/allow", headers=headers).json == {"items": [], "next_cursor": None}


def test_another_devices_entries_are_invisible_and_untouchable(client: FlaskClient) -> None:
    alice, mallory = register(client), register(client)
    created = client.post("/v1/lists/allow", json={"pattern": "+14155550100"}, headers=alice).json
    assert created is not None
    entry = f"/v1/lists/allow/{created['id']}"
    assert client.get(entry, headers=mallory).status_code == 404
    assert client.delete(entry, headers=mallory).status_code == 404
    assert client.get("/v1/lists/allow", headers=mallory).json == {"items": [], "next_cursor": None}
    assert client.get(entry, headers=alice).status_code == 200


def test_lists_are_bounded_in_size(make_app: object) -> None:
    app = make_app(list_max_entries=2)  # type: ignore[operator]
    client = app.test_client()
    headers = register(client)
    for n in range(2):
        assert (
            client.post(
                "/v1/lists/block", json={"pattern": f"+1415555010{n}"}, headers=headers
            ).status_code
            == 201
        )
    response = client.post("/v1/lists/block", json={"pattern": "+14155550109"}, headers=headers)
    assert response.status_code == 422
    assert response.json["code"] == "limit_reached"


def test_bad_patterns_are_rejected_with_a_reason(client: FlaskClient) -> None:
    headers = register(client)
    for pattern in ["+1*4*", "anonymous", "911", "hello", "1415*"]:
        response = client.post("/v1/lists/block", json={"pattern": pattern}, headers=headers)
        assert response.status_code == 422, pattern
        assert response.mimetype == "application/problem+json"
