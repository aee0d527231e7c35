"""The cluster verdict's checks fail when the cluster misbehaves (cluster/verdict.py)."""

from __future__ import annotations

import pytest

from cluster.verdict import (
    Record,
    Window,
    decisions_on_time,
    model_check,
    rate_limit_check,
    server_errors,
)

PG_STOP = Window("pg stopped", 100.0, 115.0, "stop")
KILL = Window("kill -9 app1", 50.0, 60.0, "kill9")


def screen(t: float, ms: float = 10.0, status: int = 200, **extra: object) -> Record:
    return Record(t, "screen", status, ms, extra.pop("instance", "app1"), dict(extra))  # type: ignore[arg-type]


def test_only_a_kill_instant_excuses_a_5xx_even_while_the_database_is_down() -> None:
    refused = Record(105.0, "report", 503, 5.0, "app2", {"code": "database_unavailable"})
    records = [
        Record(51.0, "report", 502, 5.0, None, {}),  # the kill's instant
        refused,
        Record(20.0, "report", 503, 5.0, "app2", {"code": "database_unavailable"}),  # calm
        Record(106.0, "screen", 503, 5.0, "app2", {"code": "database_unavailable"}),  # a decision
        Record(70.0, "lookup", 0, 10_000.0, None, {}),  # no answer at all
    ]
    result = server_errors(records, [KILL, PG_STOP])
    assert (result["at_kill9"], result["refused_while_database_down"]) == (1, 1)
    assert result["outside_kill9"] == 4
    assert result["ok"] is False
    # With Redis a write waits in the outbox and a lookup answers degraded: a 503 while
    # PostgreSQL is down is a miss too (shown apart, not excused).
    alone = server_errors([refused], [KILL, PG_STOP])
    assert (alone["outside_kill9"], alone["ok"]) == (1, False)
    assert server_errors([Record(51.0, "report", 502, 5.0, None, {})], [KILL])["ok"] is True


def test_a_queued_report_must_be_stored_once_under_its_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """reports_check against a fake database answer: a 202 acknowledges by key."""
    import cluster.verdict as verdict

    class Db:
        def __init__(self, reports: list[tuple[int, int, str]], keys: list[tuple[str, str]]):
            self.answers = [reports, keys]

        def __enter__(self) -> Db:
            return self

        def __exit__(self, *_: object) -> None:
            return None

        def execute(self, *_: object) -> Db:
            return self

        def fetchall(self) -> list[tuple[object, ...]]:
            return self.answers.pop(0)  # type: ignore[return-value]

    ack = {"device": 7, "key": "sim-1", "number": "+12025550100", "ticket": "t1"}
    queued = Record(105.0, "report", 202, 5.0, "app2", ack)
    stored = [(41, 7, "+12025550100")]

    def connect(reports: list[tuple[int, int, str]], keys: list[tuple[str, str]]) -> object:
        return lambda *_a, **_k: Db(reports, keys)

    monkeypatch.setattr(verdict.psycopg, "connect", connect(stored, [("sim-1", "41")]))
    good = verdict.reports_check([queued], "postgresql+psycopg://x/y")
    assert (good["missing"], good["duplicated"], good["ok"]) == (0, 0, True)
    monkeypatch.setattr(verdict.psycopg, "connect", connect([], []))
    lost = verdict.reports_check([queued], "postgresql+psycopg://x/y")
    assert (lost["missing"], lost["ok"]) == (1, False)


def test_a_late_or_failed_decision_counts_against_the_deadline() -> None:
    on_time = [screen(float(t)) for t in range(999)]
    assert decisions_on_time(on_time, [])["ok"] is True
    late = [*on_time, screen(2000.0, ms=1500.0), screen(2001.0, status=503)]
    result = decisions_on_time(late, [])
    assert result["on_time"] == 999
    assert result["ok"] is False


def test_an_instance_still_on_the_old_model_after_10_s_misses_the_rollout() -> None:
    step = {"name": "roll out", "kind": "activate", "at": 0.0, "expect": "new"}
    fresh = [screen(5.0, model="new", instance=i) for i in ("app1", "app2", "app3")]
    assert model_check(fresh, [step])["ok"] is True
    stale = [*fresh, screen(12.0, model="old", instance="app3")]
    assert model_check(stale, [step])["ok"] is False


def test_limits_that_only_hold_per_process_are_not_enforced_across_instances() -> None:
    shared = {"when": "calm", "limit": 300, "ok_count": 300, "limited": 60,
              "instances": ["app1", "app2", "app3"], "expect_shared": True}  # fmt: skip
    assert rate_limit_check([shared])["ok"] is True
    assert rate_limit_check([{**shared, "ok_count": 360, "limited": 0}])["ok"] is False
