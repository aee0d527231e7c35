"""FastLogistic: the folded pipeline scores like scikit-learn, without scikit-learn."""

from __future__ import annotations

import copy
import math
import timeit
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from pepper.model.fast import FastLogistic, from_pipeline

N_FEATURES = 20
NAMES = tuple(f"f{i:02d}" for i in range(N_FEATURES))
CONSTANT = 7  # a zero-variance column: StandardScaler gives it scale 1


def synthetic(rng: np.random.Generator, rows: int) -> tuple[NDArray[np.float64], NDArray[np.int_]]:
    """Features on unequal scales and offsets, labels from a known logistic model."""
    means = rng.uniform(-5, 5, N_FEATURES)
    scales = rng.uniform(0.1, 10, N_FEATURES)
    X = rng.normal(means, scales, size=(rows, N_FEATURES))
    X[:, CONSTANT] = 3.0
    true_w = rng.normal(0, 1, N_FEATURES) / scales
    z = (X - means) @ true_w
    y = (rng.uniform(size=rows) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y


def make_pipeline() -> Pipeline:
    return Pipeline([("scale", StandardScaler()), ("model", LogisticRegression(max_iter=1000))])


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    X, y = synthetic(np.random.default_rng(20251124), 5_000)
    return make_pipeline().fit(X, y)


@pytest.fixture(scope="module")
def fast(pipeline: Pipeline) -> FastLogistic:
    return from_pipeline(pipeline, NAMES)


def random_rows(rng: np.random.Generator, rows: int) -> NDArray[np.float64]:
    """Ordinary rows, plus one row in ten scaled up so that |z| runs into the hundreds."""
    X = rng.normal(0, 5, size=(rows, N_FEATURES))
    extreme = rng.uniform(size=rows) < 0.1
    X[extreme] *= rng.choice([1e2, 1e3, 1e4], size=(int(extreme.sum()), 1))
    return X


def test_probability_matches_predict_proba_to_1e_9_on_10000_random_rows(
    pipeline: Pipeline, fast: FastLogistic
) -> None:
    X = random_rows(np.random.default_rng(7), 10_000)
    expected = pipeline.predict_proba(X)[:, 1]
    actual = np.array([fast.probability(row) for row in X])
    assert np.max(np.abs(actual - expected)) <= 1e-9


def test_the_random_rows_reach_the_tails_where_a_naive_sigmoid_overflows(
    fast: FastLogistic,
) -> None:
    X = random_rows(np.random.default_rng(7), 10_000)
    z = np.array([math.fsum(w * x for w, x in zip(fast.weights, row, strict=True)) for row in X])
    z += fast.intercept
    # math.exp overflows above ~709.8: 1 / (1 + exp(-z)) would raise for these rows.
    assert (z < -710).sum() > 10
    assert (z > 710).sum() > 10


def test_probability_stays_within_0_and_1_at_both_extremes(fast: FastLogistic) -> None:
    big = [1e6 * math.copysign(1.0, w) for w in fast.weights]
    assert fast.probability(big) == 1.0
    tiny = fast.probability([-x for x in big])
    assert 0.0 <= tiny < 1e-300


def test_a_list_a_tuple_and_an_array_score_the_same(fast: FastLogistic) -> None:
    row = np.random.default_rng(1).normal(size=N_FEATURES)
    p = fast.probability(row)
    assert fast.probability(row.tolist()) == p
    assert fast.probability(tuple(row.tolist())) == p


def test_probability_is_at_least_10x_faster_than_predict_proba_on_one_row(
    pipeline: Pipeline, fast: FastLogistic
) -> None:
    row = np.random.default_rng(2).normal(size=N_FEATURES)
    one = row.reshape(1, -1)

    def best_us(function: Callable[[], object], number: int) -> float:
        return min(timeit.repeat(function, number=number, repeat=5)) / number * 1e6

    slow = best_us(lambda: pipeline.predict_proba(one)[0, 1], 200)
    quick = best_us(lambda: fast.probability(row), 2_000)
    assert slow / quick >= 10


def test_the_constant_feature_gets_scale_1_and_still_agrees(
    pipeline: Pipeline, fast: FastLogistic
) -> None:
    assert pipeline[0].scale_[CONSTANT] == 1.0
    row = np.full(N_FEATURES, 0.5)
    row[CONSTANT] = 1e3  # far from the constant 3.0 it was fitted on
    assert fast.probability(row) == pytest.approx(
        pipeline.predict_proba(row.reshape(1, -1))[0, 1], abs=1e-12
    )


def test_a_zero_scale_is_read_as_one_like_standard_scaler_does(pipeline: Pipeline) -> None:
    zero = copy.deepcopy(pipeline)
    zero[0].scale_[CONSTANT] = 0.0
    folded = from_pipeline(zero, NAMES)
    assert all(math.isfinite(w) for w in folded.weights)
    assert folded == from_pipeline(pipeline, NAMES)


def test_scaler_without_mean_or_std_is_folded_as_the_identity_it_applies() -> None:
    X, y = synthetic(np.random.default_rng(3), 2_000)
    for scaler in (StandardScaler(with_mean=False), StandardScaler(with_std=False)):
        fitted = Pipeline([("scale", scaler), ("model", LogisticRegression(max_iter=1000))])
        fitted.fit(X, y)
        folded = from_pipeline(fitted, NAMES)
        rows = random_rows(np.random.default_rng(4), 500)
        expected = fitted.predict_proba(rows)[:, 1]
        actual = np.array([folded.probability(row) for row in rows])
        assert np.max(np.abs(actual - expected)) <= 1e-9


def test_contributions_are_weight_times_value_largest_first(fast: FastLogistic) -> None:
    row = np.random.default_rng(5).normal(size=N_FEATURES)
    contributions = fast.contributions(row)
    assert sorted(name for name, _ in contributions) == sorted(NAMES)
    magnitudes = [abs(value) for _, value in contributions]
    assert magnitudes == sorted(magnitudes, reverse=True)
    by_name = dict(contributions)
    for name, w, x in zip(NAMES, fast.weights, row.tolist(), strict=True):
        assert by_name[name] == w * x
    z = math.fsum(by_name.values()) + fast.intercept
    assert 1 / (1 + math.exp(-z)) == pytest.approx(fast.probability(row), abs=1e-12)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_feature_is_refused_rather_than_scored(fast: FastLogistic, bad: float) -> None:
    row = [0.0] * N_FEATURES
    row[3] = bad
    with pytest.raises(ValueError, match="finite"):
        fast.probability(row)


@pytest.mark.parametrize("length", [N_FEATURES - 1, N_FEATURES + 1])
def test_a_row_of_the_wrong_length_is_refused(fast: FastLogistic, length: int) -> None:
    with pytest.raises(ValueError, match="expected 20 features"):
        fast.probability([0.0] * length)
    with pytest.raises(ValueError, match="expected 20 features"):
        fast.contributions([0.0] * length)


def test_a_2d_array_is_refused_rather_than_scored_as_one_row(fast: FastLogistic) -> None:
    with pytest.raises(ValueError, match="expected 20 features"):
        fast.probability(np.zeros((1, N_FEATURES)))


def test_from_pipeline_refuses_a_feature_name_count_that_does_not_match(
    pipeline: Pipeline,
) -> None:
    with pytest.raises(ValueError, match="coef_ of shape"):
        from_pipeline(pipeline, NAMES[:-1])


def test_from_pipeline_refuses_names_other_than_those_it_was_fitted_on(
    pipeline: Pipeline,
) -> None:
    # What fitting on a DataFrame leaves behind (pandas is not a dependency of ours).
    named = copy.deepcopy(pipeline)
    named[0].feature_names_in_ = np.array(NAMES, dtype=object)
    assert from_pipeline(named, NAMES).feature_names == NAMES
    with pytest.raises(ValueError, match="feature_names differ"):
        from_pipeline(named, tuple(reversed(NAMES)))


class TweakedLogistic(LogisticRegression):  # type: ignore[misc]
    """A subclass may score differently from the plain model the weights describe."""


def logistic() -> LogisticRegression:
    return LogisticRegression(max_iter=1000)


@pytest.fixture(scope="module")
def misshapen() -> dict[str, object]:
    X, y = synthetic(np.random.default_rng(8), 1_000)
    three = np.where(X[:, 0] > X[:, 0].mean(), 2, y)
    scaler_then = [("scale", StandardScaler())]
    return {
        "not a pipeline": logistic().fit(X, y),
        "unfitted": make_pipeline(),
        "another scaler": Pipeline([("scale", MinMaxScaler()), ("model", logistic())]).fit(X, y),
        "no scaler": Pipeline([("model", logistic())]).fit(X, y),
        "three steps": Pipeline(
            [*scaler_then, ("again", StandardScaler()), ("model", logistic())]
        ).fit(X, y),
        "a subclass": Pipeline([*scaler_then, ("model", TweakedLogistic(max_iter=1000))]).fit(X, y),
        "three classes": make_pipeline().fit(X, three),
        "classes 1 and 2": make_pipeline().fit(X, y + 1),
        "string classes": make_pipeline().fit(X, np.where(y == 1, "spam", "ham")),
    }


STEPS = "expected exactly the steps StandardScaler then LogisticRegression"
MISSHAPEN = {
    "not a pipeline": "expected a Pipeline",
    "unfitted": "not fitted",
    "another scaler": STEPS,
    "no scaler": STEPS,
    "three steps": STEPS,
    "a subclass": STEPS,
    "three classes": "binary classes",
    "classes 1 and 2": "binary classes",
    "string classes": "binary classes",
}


@pytest.mark.parametrize(("case", "message"), MISSHAPEN.items())
def test_from_pipeline_refuses_anything_but_a_fitted_binary_scaler_and_logistic(
    misshapen: dict[str, object], case: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        from_pipeline(misshapen[case], NAMES)


def test_fast_logistic_refuses_inconsistent_fields() -> None:
    with pytest.raises(ValueError, match="2 feature names for 1 weights"):
        FastLogistic(("a", "b"), (1.0,), 0.0)
    with pytest.raises(ValueError, match="unique"):
        FastLogistic(("a", "a"), (1.0, 2.0), 0.0)
    with pytest.raises(ValueError, match="finite"):
        FastLogistic(("a",), (float("nan"),), 0.0)
