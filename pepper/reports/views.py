"""``/v1/reports``: submit (idempotently), list and withdraw a device's reports."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_smorest import Blueprint

from pepper.http.auth import DEVICE_AUTH, authenticate_device, current_device
from pepper.http.schemas import QUEUED_DOC, QueuedOut
from pepper.numbers import normalize
from pepper.reports import idempotency, service
from pepper.reports.schemas import PageArgs, ReportIn, ReportOut, ReportPage
from pepper.reports.submission import submit_once
from pepper.reputation import params_for
from pepper.runtime import runtime
from pepper.standby import writes
from pepper.standby.http import answer_or_queue

blp = Blueprint("reports", __name__, url_prefix="/v1/reports", description="Spam reports")
blp.before_request(authenticate_device)
IDEMPOTENCY_DOC = {
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "maxLength": 255},
            "description": "replays return the stored response; kept at least 30 days",
        }
    ]
}


@blp.post("")
@blp.arguments(ReportIn)
@blp.response(201, ReportOut)
@blp.alt_response(200, schema=ReportOut, description="the device had already reported this")
@blp.alt_response(202, schema=QueuedOut, description=QUEUED_DOC)
@blp.doc(security=DEVICE_AUTH, **IDEMPOTENCY_DOC)
def create_report(body: dict[str, Any]) -> Response:
    device = current_device()
    rt = runtime()
    number = normalize(body["number"], device.default_region)
    service.check_reportable(number)
    key = request.headers.get("Idempotency-Key")
    if key is not None:
        idempotency.check_key(key)
    digest = idempotency.request_hash("POST", request.path, request.get_json(silent=True))

    def submit() -> Response:
        result = submit_once(
            rt.uow,
            device=device,
            key=key,
            digest=digest,
            retention_days=rt.settings.idempotency_retention_days,
            render=ReportOut().dump,
            number=number,
            verdict=body["verdict"],
            category=body["category"],
            call_time=body["call_time"],
            params=params_for(rt.settings.reputation_half_life_days),
        )
        return _respond(result.status, result.body, replayed=result.replayed)

    return answer_or_queue(
        "reports",
        submit,
        lambda: writes.report(device, key=key, digest=digest, body=body),
        client_id=device.client_id,
        key=key,
        digest=digest,
    )


def _respond(status: int, payload: dict[str, Any], *, replayed: bool) -> Response:
    response = jsonify(payload)
    response.status_code = status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@blp.get("")
@blp.arguments(PageArgs, location="query")
@blp.response(200, ReportPage)
@blp.doc(security=DEVICE_AUTH)
def list_reports(args: dict[str, Any]) -> dict[str, Any]:
    device = current_device()
    with runtime().uow() as uow:
        items, cursor = service.page(
            uow, device_id=device.id, after=args["after"], limit=args["limit"]
        )
    return {"items": items, "next_cursor": cursor}


@blp.delete("/<int:report_id>")
@blp.response(204)
@blp.alt_response(202, schema=QueuedOut, description=QUEUED_DOC)
@blp.doc(security=DEVICE_AUTH)
def withdraw_report(report_id: int) -> Response:
    device = current_device()
    rt = runtime()
    params = params_for(rt.settings.reputation_half_life_days)

    def withdraw() -> Response:
        with rt.uow() as uow:
            service.withdraw(uow, device_id=device.id, report_id=report_id, params=params)
        return Response(status=204)

    return answer_or_queue("reports", withdraw, lambda: writes.report_withdrawal(device, report_id))
