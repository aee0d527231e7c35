"""Operator labels, user reports and wrong-block feedback become training labels."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask

from pepper.model import label_store, registry
from pepper.model.service import train_and_register
from pepper.runtime import runtime
from tests.support.factories import label, register, report_spam, screen

SPAMMER, CLEARED, REPORTED_AND_CLEARED = "+12025550143", "+12025550111", "+12025550122"


def test_every_source_gives_labels_and_an_operator_has_the_last_word(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = make_app(
        rate_limit_register="1000/hour", models_dir=tmp_path / "models",
        ftc_data=tmp_path / "absent.csv",
    )  # fmt: skip
    client = app.test_client()
    with app.app_context():
        rt = runtime()
        report_spam(client, rt.uow, SPAMMER, 3)
        report_spam(client, rt.uow, REPORTED_AND_CLEARED, 3)
        report_spam(client, rt.uow, "+12025550177", 1)  # one report is not a verdict
        with rt.uow() as uow:
            label(uow, CLEARED, "allow")
            label(uow, REPORTED_AND_CLEARED, "allow")
            label(uow, "+1202555*", "block")  # a prefix labels no single number
        headers = register(client)
        decision = screen(client, headers, SPAMMER)
        issue = {
            "kind": "wrong_allow", "message": "a scammer got through", "app_version": "1.0",
            "os_name": "android", "os_version": "14", "manufacturer": "Acme",
            "device_model": "Phone 7", "decision_id": decision["decision_id"],
            "number": "+1 (202) 555-0143",
        }  # fmt: skip
        assert client.post("/v1/field-issues", json=issue, headers=headers).status_code == 201
        with rt.uow() as uow:
            found = {
                item.number.e164: (item.label, item.source)
                for item in label_store.labelled_numbers(uow.session)
            }
            X, y, sources = label_store.dataset(uow.session, 1.9e9, 90.0)
        assert found == {
            SPAMMER: (1, "decision_feedback"),
            CLEARED: (0, "operator_label"),
            REPORTED_AND_CLEARED: (0, "operator_label"),
        }
        assert X.shape == (3, 40)
        assert sorted(y.tolist()) == [0, 0, 1]
        assert sources == {"decision_feedback": 1, "operator_label": 2}
        outcome = train_and_register(
            rt.uow, models_dir=rt.settings.models_dir, rows=3000, seed=1, ftc_path=None
        )
        with rt.uow() as uow:
            info = registry.get(uow, outcome.version)
        assert info.training["labelled_rows_by_source"] == sources
