"""Mixed load on the local cluster: a SIMULATION of phones and of Twilio, driven by locust.

Simulated phones register, ask for decisions on ringing calls, look callers up, report
numbers with an ``Idempotency-Key`` (some retried on purpose with the same key, some
sent twice at once), and edit their block and allow lists. A simulated Twilio sends
signed voice webhooks and status callbacks, some delivered twice (in a row or at the
same instant). Traffic is synthetic; nothing here is real user data.

Every response is recorded — time, route, status, latency, the instance that served
it (haproxy's ``X-Pepper-Instance``), and what a check needs: decision degraded and
model version, each acknowledged report (device, key, id — or the ticket of a report
queued while PostgreSQL was away), each acknowledged status callback (CallSid).
``bench/cluster_scenario.py`` runs this file and checks the records
against the database (``cluster/verdict.py``).

Environment: PEPPER_CLUSTER_INFO (var/cluster/info.json), PEPPER_CLUSTER_RECORDS (a
JSON-lines file to write), PEPPER_CLUSTER_BLOCKLIST=1 when GET /v1/blocklist exists.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gevent
from locust import FastHttpUser, between, events, task
from twilio.request_validator import RequestValidator

INFO = json.loads(Path(os.environ.get("PEPPER_CLUSTER_INFO", "var/cluster/info.json")).read_text())
RECORDS = Path(os.environ.get("PEPPER_CLUSTER_RECORDS", "var/cluster/records.jsonl"))
BLOCKLIST = os.environ.get("PEPPER_CLUSTER_BLOCKLIST") == "1"
VALIDATOR = RequestValidator(INFO["twilio_auth_token"])
TWILIO_NUMBERS = list(INFO["twilio_numbers"])
# Writes are retried like a phone (or Twilio with connection overrides) would: with
# backoff, the same Idempotency-Key / CallSid, until acknowledged or this many tries.
MAX_TRIES = 8
RETRYABLE = {0, 409, 429, 500, 502, 503, 504}

# Callers: a campaign inside a few exchanges (reported by many phones), ordinary
# numbers, and withheld ones; the mix makes decisions exercise every rung.
SPAM = [f"+1202555{n:04d}" for n in range(300)]
ORDINARY = [f"+1312{random.randint(2000000, 9999999)}" for _ in range(2000)]
VERSTATS = ["TN-Validation-Passed-A", "TN-Validation-Passed-B", "TN-Validation-Failed-C",
            "No-TN-Validation", None]  # fmt: skip

_records: list[list[Any]] = []


def record(route: str, started: float, answer: Answer | None, **extra: Any) -> None:
    """One response: epoch start, route, status (0 = no answer), ms, instance, details."""
    elapsed_ms = round((time.time() - started) * 1000, 2)
    status = answer.status if answer else 0
    if status >= 500:
        data = answer.json() if answer else None
        extra["code"] = data.get("code") if isinstance(data, dict) else answer and answer.text[:40]
    instance = answer.instance if answer else None
    _records.append([round(started, 3), route, status, elapsed_ms, instance, extra or None])


@events.quitting.add_listener
def _write_records(**_: Any) -> None:
    with RECORDS.open("w") as out:
        for row in _records:
            out.write(json.dumps(row, separators=(",", ":")) + "\n")


def _caller() -> str:
    return random.choice(SPAM) if random.random() < 0.4 else random.choice(ORDINARY)


class Answer:
    """The parts of a response the checks need; status 0 when there was none."""

    def __init__(self, status: int, headers: Any, text: str) -> None:
        self.status = status
        self.headers = headers or {}
        self.instance = headers.get("X-Pepper-Instance") if headers else None
        self.replayed = bool(headers and headers.get("Idempotent-Replayed"))
        self.text = text

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None


class Client(FastHttpUser):
    abstract = True
    network_timeout = 10.0
    connection_timeout = 2.0

    def send(self, method: str, path: str, name: str, **kwargs: Any) -> Answer:
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as r:
            status = r.status_code or 0
            answer = Answer(status, r.headers, (r.text or "") if status else "")
            # 4xx the simulation provokes on purpose are answers, not failures.
            if status in (0, 500, 502, 503, 504):
                r.failure(f"status {status}")
            else:
                r.success()
        return answer


class Phone(Client):
    """A SIMULATED phone app: one registered installation."""

    weight = 5
    wait_time = between(0.3, 1.5)

    def on_start(self) -> None:
        self.token = ""
        self.device_id = 0
        self.reported: set[str] = set()
        self.entries: list[tuple[str, int]] = []
        body = {"platform": random.choice(["android", "ios"]), "app_version": "1.0.0",
                "os_version": "14", "device_model": "Simulated 1", "default_region": "US",
                "own_number": f"+1415{random.randint(2000000, 9999999)}"}  # fmt: skip
        for attempt in range(MAX_TRIES * 2):
            started = time.time()
            answer = self.send("POST", "/v1/devices", "register", json=body)
            record("register", started, answer)
            data = answer.json() if answer.status == 201 else None
            if data and "token" in data:
                self.token, self.device_id = data["token"], int(data["device"]["id"])
                return
            time.sleep(min(8.0, 0.5 * 2**attempt))

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @task(30)
    def screen(self) -> None:
        if not self.token:
            return
        body: dict[str, Any] = {"number": _caller(), "verstat": random.choice(VERSTATS)}
        started = time.time()
        answer = self.send("POST", "/v1/screen", "screen", json=body, headers=self.auth())
        data = answer.json() if answer.status == 200 else None
        extra = {}
        if isinstance(data, dict):
            extra = {"degraded": data.get("degraded"), "model": data.get("model_version"),
                     "action": data.get("action")}  # fmt: skip
        record("screen", started, answer, **extra)

    @task(4)
    def lookup(self) -> None:
        if not self.token:
            return
        started = time.time()
        path = f"/v1/numbers/{quote(_caller(), safe='')}"
        answer = self.send("GET", path, "lookup", headers=self.auth())
        record("lookup", started, answer)

    @task(3)
    def report(self) -> None:
        """Report a number the way a phone must: one key, retried until acknowledged."""
        candidates = [n for n in random.sample(SPAM, 20) if n not in self.reported]
        if not self.token or not candidates:
            return
        number = candidates[0]
        self.reported.add(number)
        key = f"sim-{uuid.uuid4().hex}"
        body = {"number": number, "verdict": "spam", "category": "robocall"}
        if random.random() < 0.1:
            # Sent twice at the same instant (a double tap, a retry racing the first).
            racer = gevent.spawn(self._post_report, body, key, "report_race")
            self._submit(body, key, number)
            racer.join()
            return
        ack = self._submit(body, key, number)
        if ack is not None and random.random() < 0.25:
            self._post_report(body, key, "report_retry")  # a deliberate retry, same key

    def _submit(self, body: dict[str, Any], key: str, number: str) -> int | None:
        for attempt in range(MAX_TRIES):
            answer = self._post_report(body, key, "report")
            if answer.status in (200, 201, 202):
                # 202: the database was away and the report is queued under its key; the
                # verdict checks it was stored once, by the key, when the database came back.
                data = answer.json() or {}
                ack = {"device": self.device_id, "key": key, "id": data.get("id"), "number": number,
                       "ticket": data.get("ticket")}  # fmt: skip
                record("report_ack", time.time(), answer, **ack)
                return int(data["id"]) if "id" in data else None
            if answer.status not in RETRYABLE:
                break
            time.sleep(min(8.0, 0.5 * 2**attempt))
        record("report_gave_up", time.time(), None, device=self.device_id, key=key,
               number=number)  # fmt: skip
        return None

    def _post_report(self, body: dict[str, Any], key: str, name: str) -> Answer:
        started = time.time()
        headers = {**self.auth(), "Idempotency-Key": key}
        answer = self.send("POST", "/v1/reports", name, json=body, headers=headers)
        data = answer.json() if answer.status in (200, 201, 202) else None
        record(name, started, answer, device=self.device_id, key=key, number=body["number"],
               id=(data or {}).get("id"), ticket=(data or {}).get("ticket"),
               replayed=answer.replayed)  # fmt: skip
        return answer

    @task(3)
    def edit_lists(self) -> None:
        if not self.token:
            return
        started = time.time()
        if self.entries and random.random() < 0.4:
            kind, entry_id = self.entries.pop(random.randrange(len(self.entries)))
            answer = self.send("DELETE", f"/v1/lists/{kind}/{entry_id}", "list_delete",
                               headers=self.auth())  # fmt: skip
            record("list_delete", started, answer)
            return
        kind = random.choice(["block", "allow"])
        pattern = random.choice([_caller(), f"+1202555{random.randint(0, 9)}*"])
        answer = self.send("POST", f"/v1/lists/{kind}", "list_add", headers=self.auth(),
                           json={"pattern": pattern, "label": "simulated"})  # fmt: skip
        record("list_add", started, answer)
        data = answer.json() if answer.status in (200, 201) else None
        if isinstance(data, dict) and "id" in data:
            self.entries.append((kind, int(data["id"])))

    @task(1)
    def read_lists(self) -> None:
        if not self.token:
            return
        started = time.time()
        answer = self.send("GET", "/v1/lists/block?limit=50", "list_get", headers=self.auth())
        record("list_get", started, answer)

    @task(1)
    def sync_blocklist(self) -> None:
        """Keep the local block list current: a full list first, then deltas (ETag)."""
        # Issue 7's GET /v1/blocklist: the scenario turns this on (PEPPER_CLUSTER_BLOCKLIST=1)
        # when /openapi.json lists the route; without it this task does nothing and the
        # verdict says the load had no block-list syncs.
        if not BLOCKLIST or not self.token:
            return
        since = getattr(self, "sync_token", None)
        query = "format=binary" + (f"&since={quote(since, safe='')}" if since else "")
        headers = {**self.auth(), "Accept-Encoding": "gzip"}
        if getattr(self, "etag", None):
            headers["If-None-Match"] = self.etag
        started = time.time()
        answer = self.send("GET", f"/v1/blocklist?{query}", "blocklist_sync", headers=headers)
        record("blocklist_sync", started, answer, since=bool(since))
        if answer.status == 200:
            self.sync_token = answer.headers.get("Pepper-Sync-Token")
            self.etag = answer.headers.get("ETag")


class Twilio(Client):
    """A SIMULATED Twilio: signed voice webhooks and status callbacks, some twice."""

    weight = 1
    wait_time = between(0.2, 1.0)

    def signed(self, path: str, params: dict[str, str], name: str) -> Answer:
        signature = VALIDATOR.compute_signature(INFO["lb"] + path, params)
        headers = {"X-Twilio-Signature": signature}
        return self.send("POST", path, name, data=params, headers=headers)

    def deliver(self, path: str, params: dict[str, str], route: str) -> Answer:
        """One webhook, retried like Twilio's connection overrides (rc/rp) do."""
        answer = Answer(0, None, "")
        for attempt in range(MAX_TRIES):
            started = time.time()
            answer = self.signed(path, params, route)
            record(route, started, answer, sid=params["CallSid"])
            if answer.status not in RETRYABLE:
                break
            time.sleep(min(8.0, 0.5 * 2**attempt))
        return answer

    @task
    def call(self) -> None:
        sid = "CA" + uuid.uuid4().hex
        caller = _caller()
        params = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": caller,
                  "To": random.choice(TWILIO_NUMBERS), "CallStatus": "ringing",
                  "Direction": "inbound"}  # fmt: skip
        verstat = random.choice(VERSTATS)
        if verstat:
            params["StirVerstat"] = verstat
        self.deliver("/twilio/voice", params, "twilio_voice")
        if random.random() < 0.1:
            self.deliver("/twilio/voice", params, "twilio_voice_dup")
        final = random.choice(["completed", "completed", "busy", "no-answer"])
        status = {
            **params,
            "CallStatus": final,
            "CallDuration": str(random.randint(1, 120)) if final == "completed" else "0",
        }
        first = gevent.spawn(self.deliver, "/twilio/status", status, "twilio_status")
        roll = random.random()
        if roll < 0.15:  # a duplicate delivered at the same instant
            self.deliver("/twilio/status", status, "twilio_status_dup")
        first.join()
        if 0.15 <= roll < 0.3:  # a duplicate delivered later
            self.deliver("/twilio/status", status, "twilio_status_dup")
        answer: Answer = first.value
        if answer.status == 200:
            record("status_ack", time.time(), answer, sid=sid, caller=caller)
