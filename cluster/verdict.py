"""The verdict of a cluster run: the load's records and the database, against the targets.

Inputs: the load's records (``bench/locustfile_cluster.py``), the fault windows the
scenario ran, the rate-limit probes, the model steps, and the cluster's PostgreSQL.
Every target is computed from those, so each one fails when the cluster misbehaves.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis

# A decision is on time when its answer reaches the caller before the caller gives up.
# Twilio: the README's connection override rt=2000 (then Twilio uses the fallback URL).
# A phone app: 1 s, a fifth of Android's 5 s CallScreeningService budget, which leaves
# the app time for its own work and one retry.
DEADLINE_MS = {"screen": 1000.0, "twilio_voice": 2000.0, "twilio_voice_dup": 2000.0}
DEADLINE_TARGET = 0.999
# After a kill -9, requests that were inside the dead process are lost; haproxy retries
# what it can. The "instant" is the kill plus haproxy's detection (fall 2 × inter 1 s).
KILL_INSTANT_S = 3.0
MODEL_CONVERGENCE_S = 10.0
WARMUP_S = 10.0

DECISION_ROUTES = set(DEADLINE_MS)
MARKERS = {"report_ack", "report_gave_up", "status_ack"}  # bookkeeping, not requests


@dataclass
class Window:
    name: str
    start: float
    end: float
    kind: str = "fault"


@dataclass
class Record:
    t: float
    route: str
    status: int
    ms: float
    instance: str | None
    extra: dict[str, Any] = field(default_factory=dict)


def load_records(paths: Iterable[Path]) -> list[Record]:
    records = []
    for path in paths:
        with path.open() as lines:
            for line in lines:
                t, route, status, ms, instance, extra = json.loads(line)
                records.append(Record(t, route, status, ms, instance, extra or {}))
    records.sort(key=lambda r: r.t)
    return records


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]


def window_of(t: float, windows: list[Window]) -> str:
    for w in windows:
        if w.start <= t < w.end:
            return w.name
    return "calm"


# --- the checks ----------------------------------------------------------------------


def latency_table(requests: list[Record], windows: list[Window]) -> dict[str, Any]:
    """p50/p99 per route, in calm and in each window (successful answers only)."""
    groups: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in requests:
        if 200 <= r.status < 500:
            groups[window_of(r.t, windows)][r.route].append(r.ms)
    return {
        win: {
            route: {
                "n": len(v),
                "p50_ms": round(percentile(sorted(v), 0.5), 1),
                "p99_ms": round(percentile(sorted(v), 0.99), 1),
            }
            for route, v in sorted(routes.items())
        }
        for win, routes in groups.items()
    }


def decisions_on_time(requests: list[Record], windows: list[Window]) -> dict[str, Any]:
    decisions = [r for r in requests if r.route in DECISION_ROUTES]
    late = [r for r in decisions if not (r.status == 200 and r.ms <= DEADLINE_MS[r.route])]
    on_time = len(decisions) - len(late)
    share = on_time / len(decisions) if decisions else 0.0
    return {
        "decisions": len(decisions),
        "on_time": on_time,
        "share": round(share, 5),
        "deadline_ms": DEADLINE_MS,
        "within_300_ms": sum(1 for r in decisions if r.status == 200 and r.ms <= 300),
        "late_or_failed": dict(
            Counter(f"{window_of(r.t, windows)} {r.route} {r.status}" for r in late)
        ),
        "ok": bool(decisions) and share >= DEADLINE_TARGET,
    }


def fail_open(requests: list[Record], windows: list[Window]) -> dict[str, Any]:
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for r in requests:
        if r.route == "screen" and r.status == 200:
            per[window_of(r.t, windows)]["degraded" if r.extra.get("degraded") else "decided"] += 1
    return {w: dict(c) for w, c in per.items()}


def refused_for_database(r: Record, windows: list[Window]) -> bool:
    """The documented answer of a request that cannot be served without PostgreSQL while
    PostgreSQL is stopped, hung or saturated: 503 ``database_unavailable`` with
    Retry-After (phones and Twilio retry; the writes are idempotent and checked below).
    Never allowed for a decision: those fail open."""
    return (
        r.status == 503
        and r.extra.get("code") == "database_unavailable"
        and r.route not in DECISION_ROUTES
        and any(in_flight(r, w) for w in windows if w.name.startswith("pg "))
    )


def in_flight(r: Record, w: Window) -> bool:
    """The request was being served at some moment of the window (a fault that began
    while it was in flight is its fault too)."""
    return r.t < w.end and r.t + r.ms / 1000 >= w.start


def server_errors(requests: list[Record], windows: list[Window]) -> dict[str, Any]:
    """5xx and unanswered requests outside the instant of each kill -9.

    Counted against the target: every 5xx or missing answer except a kill -9's instant
    and ``refused_for_database`` (shown apart: its count is part of the verdict).
    """
    instants = [
        Window(w.name, w.start, w.start + KILL_INSTANT_S) for w in windows if w.kind == "kill9"
    ]
    outside: list[Record] = []
    refused: Counter[str] = Counter()
    inside = 0
    for r in requests:
        if not (r.status >= 500 or r.status == 0):
            continue
        if any(in_flight(r, w) for w in instants):
            inside += 1
        elif refused_for_database(r, windows):
            refused[f"{window_of(r.t, windows)} {r.route}"] += 1
        else:
            outside.append(r)
    detail: Counter[str] = Counter(
        f"{window_of(r.t, windows)} {r.route} {r.status} {r.extra.get('code', '')}".strip()
        for r in outside
    )
    return {
        "outside_kill9": len(outside) + sum(refused.values()),
        "at_kill9": inside,
        "refused_while_database_down": sum(refused.values()),
        "refused_detail": dict(refused.most_common()),
        "detail": dict(detail.most_common(20)),
        # No 5xx is excused: with Redis, what cannot reach PostgreSQL is queued or
        # answered degraded (pepper/standby). The database-down ones are shown apart only
        # to say where they came from.
        "ok": not outside and not refused,
    }


def reports_check(records: list[Record], database_url: str) -> dict[str, Any]:
    """Every acknowledged report is in the database exactly once, under the id returned.

    Acknowledged: any 200/201 reply that carried an id — the retry loop's, a deliberate
    retry's, or the reply to a request racing another with the same key.
    """
    replies = [
        r for r in records
        if r.route.startswith("report") and r.status in (200, 201) and r.extra.get("id")
    ]  # fmt: skip
    # Queued while PostgreSQL was away (202 and a ticket, no id yet): stored by its key
    # when the database came back, so the key must name one stored report.
    queued = {
        str(r.extra["key"]): (int(r.extra["device"]), str(r.extra["number"]))
        for r in records
        if r.route.startswith("report") and r.status == 202 and r.extra.get("ticket")
    }  # fmt: skip
    ids_by_key: dict[str, set[int]] = defaultdict(set)
    for r in replies:
        ids_by_key[r.extra["key"]].add(int(r.extra["id"]))
    inconsistent = sorted(k for k, ids in ids_by_key.items() if len(ids) > 1)
    acked = {int(r.extra["id"]): (int(r.extra["device"]), str(r.extra["number"])) for r in replies}
    gave_up = {
        (int(r.extra["device"]), str(r.extra["number"]))
        for r in records if r.route == "report_gave_up"
    }  # fmt: skip
    devices = sorted(
        {d for d, _ in acked.values()} | {d for d, _ in gave_up} | {d for d, _ in queued.values()}
    )
    with psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql")) as db:
        rows = db.execute(
            "SELECT id, device_id, e164 FROM reports WHERE device_id = ANY(%s)", (devices,)
        ).fetchall()
        replayable = db.execute(
            "SELECT key, response_body->>'id' FROM idempotency_keys WHERE state = 'done'"
            " AND key LIKE 'sim-%%'"
        ).fetchall()
    stored = {int(row[0]): (int(row[1]), str(row[2])) for row in rows}
    per_pair = Counter(stored.values())
    missing = [i for i in acked if i not in stored]
    wrong = [i for i, pair in acked.items() if i in stored and stored[i] != pair]
    # A stored report no phone was told about is a duplicate unless its phone gave up
    # (or was stopped with the load) while retrying that very report.
    sent: set[tuple[int, str]] = {
        (int(r.extra["device"]), str(r.extra["number"]))
        for r in records if r.route.startswith("report") and "number" in r.extra
    }  # fmt: skip
    unexplained = [
        pair for i, pair in stored.items()
        if i not in acked and pair not in gave_up and pair not in sent
    ]  # fmt: skip
    stored_keys = {str(k): int(v) for k, v in replayable if v is not None}
    # A queued report answered live too (a retry after the database was back) is in
    # ``acked`` already; the others are acknowledged by their key alone.
    for key, pair in queued.items():
        report_id = stored_keys.get(key)
        if report_id is None or stored.get(report_id) != pair:
            missing.append(-1)  # acknowledged (queued), never stored under its key
        else:
            acked.setdefault(report_id, pair)
    key_mismatch = [
        r.extra["key"] for r in replies
        if r.extra["key"] in stored_keys and stored_keys[r.extra["key"]] != int(r.extra["id"])
    ]  # fmt: skip
    unacknowledged = sum(1 for i in stored if i not in acked)
    duplicated = sum(n - 1 for n in per_pair.values() if n > 1) + len(unexplained)
    return {
        "acknowledged": len(acked),
        "gave_up": len(gave_up),
        "stored_not_acknowledged": unacknowledged,
        "missing": len(missing) + len(wrong),
        "duplicated": duplicated,
        "keys_with_two_ids": len(inconsistent),
        "stored_response_mismatch": len(key_mismatch),
        "replays": sum(1 for r in replies if r.extra.get("replayed")),
        "queued": len(queued),
        "ok": not (missing or wrong or duplicated or inconsistent or key_mismatch) and bool(acked),
    }


def queued_writes_check(redis_url: str | None, prefix: str) -> dict[str, Any]:
    """Every write queued while PostgreSQL was away was applied (or dropped as moot):
    nothing is left in the outbox, nothing was set aside as unappliable."""
    if not redis_url:
        return {"left": None, "set_aside": None, "ok": True}
    client = redis.Redis.from_url(redis_url)
    try:
        left = int(client.xlen(f"{prefix}outbox"))
        set_aside = int(client.xlen(f"{prefix}outbox:dead"))
    finally:
        client.close()
    return {"left": left, "set_aside": set_aside, "ok": left == 0 and set_aside == 0}


def status_callbacks_check(records: list[Record], database_url: str) -> dict[str, Any]:
    """Each call finished once; no caller counted more calls or endings than it had."""
    acked = {r.extra["sid"] for r in records if r.route == "status_ack"}
    dups = sum(1 for r in records if r.route == "twilio_status_dup" and r.status == 200)
    with psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql")) as db:
        finished = {
            str(row[0])
            for row in db.execute("SELECT call_sid FROM calls WHERE finished").fetchall()
        }
        over = db.execute(
            "SELECT coalesce(sum(greatest(s.finished - c.finished, 0)), 0),"
            " coalesce(sum(greatest(s.calls - c.calls, 0)), 0) FROM caller_stats s JOIN"
            " (SELECT caller, count(*) AS calls, count(*) FILTER (WHERE finished) AS finished"
            "  FROM calls GROUP BY caller) c ON c.caller = s.caller"
        ).fetchone()
    assert over is not None
    not_finished = len(acked - finished)
    double = int(over[0]) + int(over[1])
    return {
        "acknowledged_calls": len(acked),
        "duplicate_deliveries_answered": dups,
        "acknowledged_not_finished": not_finished,
        "double_counted": double,
        "ok": not_finished == 0 and double == 0 and bool(acked),
    }


def model_check(requests: list[Record], steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Each instance serves the newly active version within 10 s; a refused one never."""
    screens = [r for r in requests if r.route == "screen" and r.status == 200 and r.extra.get(
        "model") and not r.extra.get("degraded")]  # fmt: skip
    out: dict[str, Any] = {"steps": [], "ok": True}
    for step in steps:
        t0 = step["at"]
        after = [r for r in screens if r.t >= t0 and r.t < step.get("until", float("inf"))]
        instances = sorted({r.instance for r in after if r.instance})
        result: dict[str, Any] = {"step": step["name"], "expected": step["expect"]}
        if step["kind"] == "activate":
            worst = 0.0
            for inst in instances:
                mine = [r for r in after if r.instance == inst]
                stale = [r.t - t0 for r in mine if r.extra["model"] != step["expect"]]
                fresh = [r for r in mine if r.extra["model"] == step["expect"]]
                lag = max(stale, default=0.0)
                worst = max(worst, lag if fresh else float("inf"))
            result["slowest_instance_s"] = round(worst, 2)
            result["ok"] = len(instances) == 3 and worst <= MODEL_CONVERGENCE_S
        else:  # a refused version: nobody may serve it, everybody keeps the expected one
            served = Counter(r.extra["model"] for r in after)
            result["served"] = dict(served)
            result["api_status"] = step.get("api_status")
            result["ok"] = (
                len(instances) == 3
                and set(served) == {step["expect"]}
                and step["refused_version"] not in served
            )
        out["ok"] = out["ok"] and result["ok"]
        out["steps"].append(result)
    out["ok"] = out["ok"] and bool(steps)
    return out


def rate_limit_check(probes: list[dict[str, Any]]) -> dict[str, Any]:
    shared = [p for p in probes if p["expect_shared"]]
    ok = bool(shared) and all(
        p["ok_count"] == p["limit"] and len(p["instances"]) == 3 for p in shared
    )
    return {"probes": probes, "ok": ok}


def build(
    records: list[Record],
    windows: list[Window],
    probes: list[dict[str, Any]],
    model_steps: list[dict[str, Any]],
    database_url: str,
    meta: dict[str, Any],
    schedule: dict[str, Any],
    redis_url: str | None = None,
    redis_prefix: str = "pepper:",
) -> dict[str, Any]:
    start = records[0].t if records else 0.0
    requests = [r for r in records if r.route not in MARKERS and r.t >= start + WARMUP_S]
    last = records[-1].t if records else 0.0
    done = schedule.get("completed_at")
    targets = {
        # Every step ran, and the load went on after the last one (else a fault was
        # silently left out, or its aftermath never seen).
        "schedule": {
            "completed": done is not None,
            "load_after_last_step_s": round(last - done, 1) if done else None,
            "ok": done is not None and last - done >= 2.0,
        },
        "decisions_on_time": decisions_on_time(requests, windows),
        "server_errors": server_errors(requests, windows),
        "reports": reports_check(records, database_url),
        "status_callbacks": status_callbacks_check(records, database_url),
        "queued_writes": queued_writes_check(redis_url, redis_prefix),
        "rate_limits": rate_limit_check(probes),
        "model_versions": model_check(requests, model_steps),
    }
    return {
        **meta,
        "passed": all(t["ok"] for t in targets.values()),
        "requests_by_status": dict(sorted(Counter(str(r.status) for r in requests).items())),
        "requests_by_route": dict(sorted(Counter(r.route for r in requests).items())),
        "windows": [w.__dict__ for w in windows],
        "targets": targets,
        "fail_open_by_window": fail_open(requests, windows),
        "latency": latency_table(requests, windows),
    }


def markdown(v: dict[str, Any]) -> str:
    t = v["targets"]
    mark = {True: "met", False: "**MISSED**"}
    d, e, rep, st = (t["decisions_on_time"], t["server_errors"], t["reports"],
                     t["status_callbacks"])  # fmt: skip
    sch = t["schedule"]
    q = t["queued_writes"]
    lines = [
        f"Cluster verdict ({v['scenario']}, {v['date']}, {v['machine']}): "
        + ("**all targets met**" if v["passed"] else "**TARGETS MISSED**"),
        "",
        f"Load: {sum(v['requests_by_status'].values())} requests over {v['load_s']:.0f} s, "
        f"by status {v['requests_by_status']}.",
        "",
        "| target | result | |",
        "|---|---|---|",
        f"| every fault step ran during the load | completed: {sch['completed']}, load went on"
        f" {sch['load_after_last_step_s']} s after it | {mark[sch['ok']]} |",
        "| decisions answered before the caller gives up (phone 1 s, Twilio 2 s) ≥ 99.9 % | "
        f"{d['on_time']}/{d['decisions']} = {100 * d['share']:.3f} % (within 300 ms:"
        f" {d['within_300_ms']}) | {mark[d['ok']]} |",
        f"| 5xx (or no answer) outside a kill -9 instant = 0 | {e['outside_kill9']}"
        f" (at kill -9: {e['at_kill9']}; of them 503 database_unavailable while PostgreSQL"
        f" was stopped, hung or slow: {e['refused_while_database_down']})"
        f" | {mark[e['ok']]} |",
        f"| acknowledged reports missing / duplicated = 0 | {rep['missing']} / "
        f"{rep['duplicated']} of {rep['acknowledged']} ({rep['replays']} replays,"
        f" {rep.get('queued', 0)} queued while PostgreSQL was away) | {mark[rep['ok']]} |",
        f"| writes queued while PostgreSQL was away, left unapplied = 0 |"
        f" {q['left']} left, {q['set_aside']} set aside | {mark[q['ok']]} |",
        f"| status callbacks double-counted = 0 | {st['double_counted']} "
        f"({st['acknowledged_calls']} calls, {st['duplicate_deliveries_answered']} duplicates)"
        f" | {mark[st['ok']]} |",
    ]
    for p in t["rate_limits"]["probes"]:
        lines.append(
            f"| rate limit {p['limit']}/min per token across 3 instances ({p['when']}) | "
            f"{p['ok_count']} allowed, {p['limited']} refused, via {len(p['instances'])} "
            f"instances | {mark[p['ok_count'] == p['limit']] if p['expect_shared'] else 'info'} |"
        )
    for s in t["model_versions"]["steps"]:
        detail = (
            f"slowest instance {s['slowest_instance_s']} s" if "slowest_instance_s" in s
            else f"activation answered {s['api_status']}; served {s['served']}"
        )  # fmt: skip
        lines.append(f"| model: {s['step']} | {detail} | {mark[s['ok']]} |")
    for step, why in v.get("steps_not_run", {}).items():
        lines.append(f"| step not run: {step} | {why} | – |")
    lines += ["", "Fail-open decisions (POST /v1/screen) per window:", ""]
    lines += ["| window | decided | degraded |", "|---|---|---|"]
    for w, c in v["fail_open_by_window"].items():
        lines.append(f"| {w} | {c.get('decided', 0)} | {c.get('degraded', 0)} |")
    routes = sorted({r for win in v["latency"].values() for r in win})
    lines += ["", "Latency p50 / p99 ms per route and window:", ""]
    lines.append("| window | " + " | ".join(routes) + " |")
    lines.append("|---" * (len(routes) + 1) + "|")
    for win, table in v["latency"].items():
        cells = [
            f"{table[r]['p50_ms']:.0f} / {table[r]['p99_ms']:.0f}" if r in table else "–"
            for r in routes
        ]
        lines.append(f"| {win} | " + " | ".join(cells) + " |")
    if d["late_or_failed"]:
        lines += ["", "Decisions late or failed (window route status: count): "
                  + json.dumps(d["late_or_failed"])]  # fmt: skip
    if e["detail"]:
        lines += ["", "5xx outside a kill -9 instant (window route status code: count): "
                  + json.dumps(e["detail"])]  # fmt: skip
    return "\n".join(lines) + "\n"
