"""Train the spam model on 1,000,000 simulated calls and evaluate it on the real FTC
time split next to the "block every previously reported number" baseline.

    .venv/bin/python -m bench.model_eval [--rows 1000000] [--seed 1]

Writes bench/results/model_eval.json and prints the Markdown tables of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.wrk import machine
from pepper.model.training import train
from tests.conftest import FTC_FILE

RESULTS = Path(__file__).parent / "results" / "model_eval.json"
COLUMNS = ("roc_auc", "pr_auc", "recall_at_fpr_0.1%", "recall_at_fpr_1%", "brier")


def row(name: str, m: dict[str, Any]) -> str:
    return f"| {name} | " + " | ".join(f"{m[c]:.4f}" for c in COLUMNS) + f" | {m['n']:,} |"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    trained = train(
        rows=args.rows,
        seed=args.seed,
        ftc_path=FTC_FILE if FTC_FILE.exists() else None,
        progress=lambda message: print(message, file=sys.stderr),
    )
    seconds = time.perf_counter() - started
    result = {"seconds": round(seconds, 1), "machine": machine(), **trained.metrics}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"trained and evaluated {args.rows:,} simulated calls in {seconds:.0f} s\n")
    print("| scorer | ROC AUC | PR AUC | recall @0.1% FPR | recall @1% FPR | Brier | rows |")
    print("|---|---|---|---|---|---|---|")
    print(row("model, simulated holdout", trained.metrics["simulated_holdout"]))
    ftc = trained.metrics.get("ftc_time_split")
    if ftc:
        print(row(f"model, FTC split at {ftc['cutoff']}", ftc["model"]))
        print(row("baseline: previously reported", ftc["baseline_previously_reported"]))
        print("\ncalibration on the FTC split (predicted → observed, n):")
        for b in ftc["model"]["calibration"]:
            print(f"  {b['predicted']:.3f} → {b['observed']:.3f}  ({b['n']:,})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
