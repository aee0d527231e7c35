"""Benchmark: one call of the pure screening policy, with the call's signals in hand.

Target (from the issue): ``decide`` under 50 us per call. Baselines measured in the same
run: an empty function call, and building the Decision dataclass alone, so that each
scenario reads as a ratio of the least any decision costs (a frozen dataclass is not free).

    .venv/bin/python -m bench.decide          # prints a Markdown table
"""

from __future__ import annotations

import json
import platform
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from pepper.numbers import normalize
from pepper.screening.policy import android_flags, decide
from pepper.screening.types import (
    Action,
    AdminLabel,
    Attestation,
    CallFacts,
    Decision,
    DeviceFacts,
    Policy,
    Reason,
    Score,
    Sensitivity,
    Signals,
    Thresholds,
)

RESULTS = Path(__file__).parent / "results" / "decide.json"
TARGET_US = 50.0
REPEATS = 7

POLICY = Policy(
    thresholds={
        Sensitivity.LOW: Thresholds(silence=0.8, block=0.95),
        Sensitivity.NORMAL: Thresholds(silence=0.6, block=0.9),
        Sensitivity.HIGH: Thresholds(silence=0.4, block=0.7),
    }
)
CALLER = normalize("+14155550123")
DEVICE = DeviceFacts(own_number=normalize("+12125550100"))
REASONS = (Reason("ftc_complaints", "12 complaints in 7 days"), Reason("reports", "3 users"))
SPAM = Score(p_spam=0.97, model_version="m1", category="fraud", reasons=REASONS)
CLEAN = Score(p_spam=0.03, model_version="m1")


def scenarios() -> dict[str, tuple[CallFacts, DeviceFacts, Signals]]:
    """Inputs as the service hands them over: numbers normalised, signals looked up."""
    call = CallFacts(number=CALLER, attestation=Attestation.A)
    return {
        "emergency (rung 1)": (CallFacts(number=normalize("911")), DEVICE, Signals()),
        "personal block (rung 3)": (call, DEVICE, Signals(personal_block="+1415*")),
        "admin block (rung 4)": (
            call,
            DEVICE,
            Signals(admin_label=AdminLabel(verdict=Action.BLOCK, category="fraud")),
        ),
        "withheld (rule c)": (
            CallFacts(number=normalize("anonymous")),
            DeviceFacts(withheld_action=Action.SILENCE),
            Signals(score=SPAM),
        ),
        "no evidence (rung 7)": (call, DEVICE, Signals()),
        "clean score": (call, DEVICE, Signals(score=CLEAN)),
        "spam score, 2 reasons": (call, DEVICE, Signals(score=SPAM)),
        "failed STIR + neighbour + spam score": (
            CallFacts(number=CALLER, attestation=Attestation.FAILED),
            DeviceFacts(own_number=normalize("+14155550100")),
            Signals(score=SPAM),
        ),
    }


def per_call_us(function: Callable[[], object]) -> float:
    """The best of REPEATS timings, in microseconds per call (the least noisy estimate)."""
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=REPEATS, number=number)) / number * 1e6


def nothing() -> None:
    return None


def baselines() -> dict[str, float]:
    android = android_flags(Action.ALLOW)
    reasons = (Reason("no_evidence", "nothing known"),)
    return {
        "empty function call": per_call_us(nothing),
        "Decision(...) alone": per_call_us(
            partial(
                Decision,
                action=Action.ALLOW,
                score=0.0,
                reasons=reasons,
                android=android,
                rung="default",
            )
        ),
    }


def main() -> int:
    base = baselines()
    dataclass_us = base["Decision(...) alone"]
    measured: dict[str, float] = {}
    for name, (call, device, signals) in scenarios().items():
        measured[name] = per_call_us(partial(decide, call, device, signals, POLICY))
    worst = max(measured.values())
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.python_version()}",
        "target_us": TARGET_US,
        "within_target": worst < TARGET_US,
        "baselines_us": {name: round(us, 3) for name, us in base.items()},
        "decide_us": {name: round(us, 3) for name, us in measured.items()},
        "decide_x_decision_dataclass": {
            name: round(us / dataclass_us, 1) for name, us in measured.items()
        },
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print("| scenario | us per call | x Decision(...) alone |")
    print("|---|---|---|")
    for name, us in {**base, **measured}.items():
        print(f"| {name} | {us:.2f} | {us / dataclass_us:.1f}x |")
    verdict = "within" if worst < TARGET_US else "OVER"
    print(f"\nslowest scenario {worst:.2f} us: {verdict} the {TARGET_US:.0f} us target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
