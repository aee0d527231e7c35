"""The decision order, one rung at a time, through the real API and database."""

from flask import Flask
from flask.testing import FlaskClient

from pepper.runtime import Runtime
from pepper.screening.policy import android_combination_is_valid
from pepper.screening.types import AndroidResponse
from tests.support.factories import label, register, report_spam, screen

SPAMMER = "+12025550143"


def test_emergency_numbers_ring_even_when_personally_blocked(client: FlaskClient) -> None:
    headers = register(client)
    client.post(
        "/v1/lists/block", json={"pattern": "911"}, headers=headers
    )  # refused: not listable
    client.post("/v1/lists/block", json={"pattern": "+1*"}, headers=headers)
    decision = screen(client, headers, "911")
    assert decision["action"] == "allow"
    assert decision["reasons"][0]["code"] == "emergency_or_service"


def test_contacts_ring_whatever_else_is_known(client: FlaskClient, runtime: Runtime) -> None:
    headers = register(client)
    with runtime.uow() as uow:
        label(uow, SPAMMER, "block", "fraud")
    decision = screen(client, headers, SPAMMER, in_contacts=True)
    assert (decision["action"], decision["reasons"][0]["code"]) == ("allow", "in_contacts")


def test_personal_allow_beats_an_admin_block(client: FlaskClient, runtime: Runtime) -> None:
    headers = register(client)
    with runtime.uow() as uow:
        label(uow, SPAMMER, "block")
    client.post("/v1/lists/allow", json={"pattern": "+1202555*"}, headers=headers)
    decision = screen(client, headers, SPAMMER)
    assert (decision["action"], decision["reasons"][0]["code"]) == ("allow", "personal_allow")


def test_personal_block_beats_an_admin_clear(client: FlaskClient, runtime: Runtime) -> None:
    headers = register(client)
    with runtime.uow() as uow:
        label(uow, SPAMMER, "allow")
    client.post("/v1/lists/block", json={"pattern": SPAMMER}, headers=headers)
    decision = screen(client, headers, SPAMMER)
    assert (decision["action"], decision["reasons"][0]["code"]) == ("block", "personal_block")


def test_an_admin_clear_beats_spam_reports_of_a_spoofed_number(
    client: FlaskClient, runtime: Runtime
) -> None:
    report_spam(client, runtime.uow, SPAMMER, 6)
    headers = register(client)
    assert screen(client, headers, SPAMMER)["action"] != "allow"
    with runtime.uow() as uow:
        label(uow, "+1202555*", "allow")
    decision = screen(client, headers, SPAMMER)
    assert (decision["action"], decision["reasons"][0]["code"]) == ("allow", "admin_cleared")


def test_an_admin_block_blocks_with_its_category(client: FlaskClient, runtime: Runtime) -> None:
    headers = register(client)
    with runtime.uow() as uow:
        label(uow, "+1202555*", "block", "fraud")
    decision = screen(client, headers, SPAMMER)
    assert (decision["action"], decision["label"]) == ("block", "Scam Likely")


def test_a_call_from_the_devices_own_number_is_blocked(client: FlaskClient) -> None:
    headers = register(client, own_number="+14155550100")
    decision = screen(client, headers, "415 555 0100")
    assert (decision["action"], decision["reasons"][0]["code"]) == ("block", "own_number_spoofed")


def test_neighbour_spoofing_is_silenced(client: FlaskClient) -> None:
    headers = register(client, own_number="+14155550100")
    decision = screen(client, headers, "+14155550177")
    assert decision["action"] == "silence"
    assert "neighbour_spoofing" in [r["code"] for r in decision["reasons"]]


def test_an_impossible_number_is_blocked(client: FlaskClient) -> None:
    decision = screen(client, register(client), "+1 415 555")
    assert (decision["action"], decision["reasons"][0]["code"]) == ("block", "impossible_number")


def test_withheld_callers_follow_the_devices_setting(client: FlaskClient) -> None:
    for setting in ("allow", "silence", "block"):
        headers = register(client, withheld_action=setting)
        decision = screen(client, headers, "anonymous")
        assert decision["action"] == setting
        assert "withheld" in [r["code"] for r in decision["reasons"]]


def test_failed_stir_shaken_silences_an_unknown_caller(client: FlaskClient) -> None:
    decision = screen(
        client, register(client), "+13125550111", verstat="TN-Validation-Failed-B-Diverted"
    )
    assert decision["action"] == "silence"
    assert decision["reasons"][0]["code"] == "stir_failed"


def test_many_spam_reports_block_and_one_report_is_not_a_verdict(
    client: FlaskClient, runtime: Runtime
) -> None:
    headers = register(client)
    report_spam(client, runtime.uow, SPAMMER, 1)
    assert screen(client, headers, SPAMMER)["action"] == "allow"
    report_spam(client, runtime.uow, SPAMMER, 7)
    decision = screen(client, headers, SPAMMER)
    assert decision["action"] in ("silence", "block")
    assert decision["label"] == "Scam Likely"
    assert decision["model_version"] == "reputation-v1"


def test_sensitivity_moves_the_thresholds(client: FlaskClient, runtime: Runtime) -> None:
    report_spam(client, runtime.uow, SPAMMER, 3)
    actions = {
        s: screen(client, register(client, sensitivity=s), SPAMMER)["action"]
        for s in ("low", "normal", "high")
    }
    order = ["allow", "silence", "block"]
    assert (
        order.index(actions["low"])
        <= order.index(actions["normal"])
        <= order.index(actions["high"])
    )
    assert actions["low"] != actions["high"]


def test_a_number_with_no_evidence_rings(client: FlaskClient) -> None:
    decision = screen(client, register(client), "+13125550111")
    assert (decision["action"], decision["label"], decision["degraded"]) == ("allow", None, False)
    assert decision["cache_ttl_s"] > 0


def test_every_answer_carries_android_flags_android_accepts(client: FlaskClient) -> None:
    headers = register(client, own_number="+14155550100")
    for number in ["911", "+14155550100", "+14155550177", "+13125550111", "anonymous"]:
        flags = AndroidResponse(**screen(client, headers, number)["android"])
        assert android_combination_is_valid(flags)


def test_garbage_caller_ids_are_a_422_problem(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/v1/screen", json={"number": "hello"}, headers=register(client))
    assert response.status_code == 422
    assert response.json is not None
    assert response.json["code"] == "invalid_number"


def test_a_national_number_is_read_in_the_device_region(
    client: FlaskClient, runtime: Runtime
) -> None:
    """The lookup first reads the number in the server's region (US); a GB device's
    national number must still be judged as the GB number it is."""
    with runtime.uow() as uow:
        label(uow, "+442079460018", "block", "fraud")
        label(uow, "+12079460018", "allow")  # what the same digits mean in the US
    gb = register(client, default_region="GB")
    us = register(client)
    decision = screen(client, gb, "020 7946 0018")
    assert (decision["action"], decision["reasons"][0]["code"]) == ("block", "admin_blocked")
    assert screen(client, us, "(207) 946-0018")["action"] == "allow"
    # A national GB number is no valid US number at all: still read in the device region.
    assert screen(client, gb, "07700 900123")["degraded"] is False
