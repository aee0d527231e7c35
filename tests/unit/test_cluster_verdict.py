"""The cluster verdict's checks fail when the cluster misbehaves (cluster/verdict.py)."""

from __future__ import annotations

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


def test_5xx_count_outside_a_kill_instant_and_honest_refusals_only_while_the_database_is_down() -> (
    None
):
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
    assert result["outside_kill9"] == 3
    assert result["ok"] is False
    assert server_errors([refused], [KILL, PG_STOP])["ok"] is True


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
