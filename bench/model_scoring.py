"""Benchmark: scoring one call with the folded logistic model against scikit-learn.

Target: FastLogistic.probability at least 10x faster than Pipeline.predict_proba on one
row of 20 features, agreeing to 1e-9 on 10,000 random rows. Both are timed in the same
run on the same fitted pipeline, so the ratio holds on any machine. BASELINES.md has
76-89 µs for predict_proba and ~1 µs as the floor for a dot product and a sigmoid; under
scikit-learn 1.9.1 one predict_proba measures several times that figure (input validation
now asks narwhals whether the array is a dataframe, through inspect.getattr_static).

    .venv/bin/python -m bench.model_scoring      # prints a Markdown table
"""

from __future__ import annotations

import json
import platform
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sklearn
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from pepper.model.fast import FastLogistic, from_pipeline

RESULTS = Path(__file__).parent / "results" / "model_scoring.json"
FEATURES, TRAIN_ROWS, CHECK_ROWS = 20, 50_000, 10_000
TARGET_SPEEDUP, TARGET_MAX_DIFF = 10.0, 1e-9
REPEATS = 7
SEED = 20251124
NAMES = tuple(f"f{i:02d}" for i in range(FEATURES))


def fitted(rng: np.random.Generator) -> Pipeline:
    """A pipeline fitted on features of unequal offsets and spreads, one of them constant."""
    means = rng.uniform(-5, 5, FEATURES)
    scales = rng.uniform(0.1, 10, FEATURES)
    X = rng.normal(means, scales, size=(TRAIN_ROWS, FEATURES))
    X[:, 7] = 3.0
    z = (X - means) @ (rng.normal(0, 1, FEATURES) / scales)
    y = (rng.uniform(size=TRAIN_ROWS) < 1 / (1 + np.exp(-z))).astype(int)
    pipeline = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression(max_iter=1000))])
    return pipeline.fit(X, y)


def check_rows(rng: np.random.Generator) -> NDArray[np.float64]:
    """Ordinary rows, one in ten scaled by up to 1e4 so that the sigmoid's tails are hit."""
    X = rng.normal(0, 5, size=(CHECK_ROWS, FEATURES))
    extreme = rng.uniform(size=CHECK_ROWS) < 0.1
    X[extreme] *= rng.choice([1e2, 1e3, 1e4], size=(int(extreme.sum()), 1))
    return X


def per_call_us(function: Callable[[], object]) -> float:
    """The best of REPEATS timings, in microseconds per call (the least noisy estimate)."""
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=REPEATS, number=number)) / number * 1e6


def max_difference(pipeline: Pipeline, fast: FastLogistic, X: NDArray[np.float64]) -> float:
    expected = pipeline.predict_proba(X)[:, 1]
    actual = np.array([fast.probability(row) for row in X])
    return float(np.max(np.abs(actual - expected)))


def main() -> int:
    rng = np.random.default_rng(SEED)
    pipeline = fitted(rng)
    fast = from_pipeline(pipeline, NAMES)
    row = rng.normal(0, 5, FEATURES)
    one, as_list = row.reshape(1, -1), row.tolist()
    timings = {
        "Pipeline.predict_proba, 1 row (baseline)": per_call_us(
            lambda: pipeline.predict_proba(one)[0, 1]
        ),
        "FastLogistic.probability, numpy row": per_call_us(lambda: fast.probability(row)),
        "FastLogistic.probability, list row": per_call_us(lambda: fast.probability(as_list)),
    }
    baseline = timings["Pipeline.predict_proba, 1 row (baseline)"]
    speedup = baseline / timings["FastLogistic.probability, numpy row"]
    diff = max_difference(pipeline, fast, check_rows(rng))
    ok = speedup >= TARGET_SPEEDUP and diff <= TARGET_MAX_DIFF
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.python_version()}",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "features": FEATURES,
        "train_rows": TRAIN_ROWS,
        "check_rows": CHECK_ROWS,
        "target_speedup": TARGET_SPEEDUP,
        "target_max_abs_diff": TARGET_MAX_DIFF,
        "within_target": ok,
        "us_per_call": {name: round(us, 3) for name, us in timings.items()},
        "speedup_numpy_row": round(speedup, 1),
        "max_abs_diff": diff,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print("| scoring one row of 20 features | µs per call | speed-up |")
    print("|---|---|---|")
    for name, us in timings.items():
        print(f"| {name} | {us:.2f} | {baseline / us:.1f}x |")
    print(f"\nmax |FastLogistic - predict_proba| over {CHECK_ROWS:,} random rows: {diff:.3g}")
    verdict = "within" if ok else "OUTSIDE"
    print(
        f"speed-up {speedup:.1f}x, max diff {diff:.3g}: {verdict} the target "
        f"(>= {TARGET_SPEEDUP:.0f}x, <= {TARGET_MAX_DIFF:g})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
