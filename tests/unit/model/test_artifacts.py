"""Artifacts: saved with skops, loaded only when hash, library version and types check out."""

from __future__ import annotations

import hashlib
import json
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sklearn
import skops.io
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from pepper.model.artifacts import ALLOWED_TYPES, ArtifactRefused, load, save, sha256_of

VERSION = sklearn.__version__


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    rng = np.random.default_rng(42)
    X = rng.normal(size=(500, 6))
    X[:, 2] = 1.0  # a constant column, as real features sometimes are
    y = (X[:, 0] + rng.normal(size=500) > 0).astype(int)
    return X, y


def scaled(*steps: tuple[str, Any]) -> Pipeline:
    return Pipeline([("scale", StandardScaler()), *steps])


@pytest.fixture(scope="module")
def pipeline(data: tuple[Any, Any]) -> Pipeline:
    return scaled(("model", LogisticRegression(max_iter=1000))).fit(*data)


def refusal(path: Path, sha256: str, version: str = VERSION) -> str:
    with pytest.raises(ArtifactRefused) as caught:
        load(path, expected_sha256=sha256, expected_sklearn_version=version)
    return caught.value.reason


def dump_raw(obj: Any, path: Path) -> str:
    """Save bypassing our save(), as an attacker or an older tool would."""
    skops.io.dump(obj, path)
    return sha256_of(path)


def types_in(path: Path) -> set[str]:
    """Every node type named in a skops file, found independently of the code under test."""
    found: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            if "__class__" in item:
                found.add(f"{item['__module__']}.{item['__class__']}")
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    with zipfile.ZipFile(path) as archive:
        walk(json.loads(archive.read("schema.json")))
    return found


def rewrite_schema(path: Path, edit: Callable[[dict[str, Any]], None]) -> str:
    """Edit schema.json inside a skops file in place; return the new sha256."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])
    edit(schema)
    members["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return sha256_of(path)


def test_a_saved_pipeline_loads_back_with_identical_probabilities(
    pipeline: Pipeline, data: tuple[Any, Any], tmp_path: Path
) -> None:
    path = tmp_path / "m1.skops"
    sha = save(pipeline, path)
    loaded = load(path, expected_sha256=sha, expected_sklearn_version=VERSION)
    assert type(loaded) is Pipeline
    X = data[0]
    np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))


def test_save_returns_the_sha256_of_the_file_it_wrote(pipeline: Pipeline, tmp_path: Path) -> None:
    path = tmp_path / "m1.skops"
    sha = save(pipeline, path)
    assert sha == sha256_of(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [p.name for p in tmp_path.iterdir()] == ["m1.skops"]  # no temporary left behind


def test_save_never_overwrites_an_existing_version(pipeline: Pipeline, tmp_path: Path) -> None:
    path = tmp_path / "m1.skops"
    path.write_bytes(b"an older version")
    with pytest.raises(FileExistsError):
        save(pipeline, path)
    assert path.read_bytes() == b"an older version"
    assert [p.name for p in tmp_path.iterdir()] == ["m1.skops"]


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path / "nowhere.skops", "0" * 64) == "missing"


def test_a_file_with_one_byte_changed_is_refused_as_hash_mismatch(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = tmp_path / "m1.skops"
    sha = save(pipeline, path)
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))
    assert refusal(path, sha) == "hash_mismatch"


def test_the_hash_is_checked_before_the_file_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "garbage.skops"
    path.write_bytes(b"not a zip file at all")
    # Unparseable, but the hash is what fails first: nothing was read as skops.
    assert refusal(path, "0" * 64) == "hash_mismatch"


def test_random_bytes_with_a_matching_hash_are_refused_as_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "random.skops"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    assert refusal(path, sha256_of(path)) == "corrupt"


def test_a_pickle_with_a_matching_hash_is_refused_as_corrupt_and_never_run(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "code-ran"

    class Payload:
        def __reduce__(self) -> tuple[Any, ...]:
            return (Path.touch, (marker,))

    path = tmp_path / "evil.skops"
    path.write_bytes(pickle.dumps(Payload()))
    assert refusal(path, sha256_of(path)) == "corrupt"
    assert not marker.exists()


def test_a_wrong_expected_sklearn_version_is_refused(pipeline: Pipeline, tmp_path: Path) -> None:
    path = tmp_path / "m1.skops"
    sha = save(pipeline, path)
    assert refusal(path, sha, version="1.5.2") == "sklearn_version_mismatch"


def test_a_file_recording_another_sklearn_version_is_refused(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = tmp_path / "m1.skops"
    save(pipeline, path)

    def older(schema: dict[str, Any]) -> None:
        scaler_state = schema["content"]["content"]["steps"]["content"][0]["content"][1]
        scaler_state["content"]["content"]["_sklearn_version"]["content"] = '"1.5.2"'

    sha = rewrite_schema(path, older)
    assert refusal(path, sha) == "sklearn_version_mismatch"


def test_a_pipeline_with_a_random_forest_is_refused_as_untrusted_types(
    data: tuple[Any, Any], tmp_path: Path
) -> None:
    path = tmp_path / "forest.skops"
    forest = scaled(("model", RandomForestClassifier(n_estimators=3, random_state=0)))
    sha = dump_raw(forest.fit(*data), path)
    assert refusal(path, sha) == "untrusted_types"


def test_an_extra_step_that_skops_itself_trusts_is_refused_as_untrusted_types(
    data: tuple[Any, Any], tmp_path: Path
) -> None:
    path = tmp_path / "log1p.skops"
    extra = Pipeline(
        [
            ("log", FunctionTransformer(np.log1p)),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(max_iter=1000)),
        ]
    )
    sha = dump_raw(extra.fit(np.abs(data[0]), data[1]), path)
    # skops trusts every estimator and numpy ufunc by default; our allow-list does not.
    assert skops.io.get_untrusted_types(file=path) == []
    assert refusal(path, sha) == "untrusted_types"


def test_a_step_calling_our_own_function_is_refused_as_untrusted_types(
    data: tuple[Any, Any], tmp_path: Path
) -> None:
    path = tmp_path / "custom.skops"
    extra = Pipeline(
        [
            ("identity", FunctionTransformer(_identity)),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(max_iter=1000)),
        ]
    )
    sha = dump_raw(extra.fit(*data), path)
    assert refusal(path, sha) == "untrusted_types"


def _identity(x: Any) -> Any:
    return x


def test_an_unexpected_loader_under_an_allowed_type_name_is_refused(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = tmp_path / "m1.skops"
    save(pipeline, path)

    def as_function(schema: dict[str, Any]) -> None:
        schema["content"]["content"]["steps"]["content"][0]["__loader__"] = "FunctionNode"

    sha = rewrite_schema(path, as_function)
    assert refusal(path, sha) == "untrusted_types"


def test_a_file_holding_a_bare_logistic_regression_is_refused_as_corrupt(
    data: tuple[Any, Any], tmp_path: Path
) -> None:
    path = tmp_path / "bare.skops"
    sha = dump_raw(LogisticRegression(max_iter=1000).fit(*data), path)
    assert refusal(path, sha) == "corrupt"


def test_save_refuses_a_pipeline_that_load_would_refuse(
    data: tuple[Any, Any], tmp_path: Path
) -> None:
    forest = scaled(("model", RandomForestClassifier(n_estimators=3, random_state=0)))
    with pytest.raises(ArtifactRefused) as caught:
        save(forest.fit(*data), tmp_path / "forest.skops")
    assert caught.value.reason == "untrusted_types"
    assert list(tmp_path.iterdir()) == []


def test_the_allow_list_is_exactly_what_a_fitted_pipeline_is_made_of(
    pipeline: Pipeline, data: tuple[Any, Any], tmp_path: Path
) -> None:
    # If a scikit-learn or skops upgrade changes the types in a dump, this fails first.
    plain = tmp_path / "plain.skops"
    dump_raw(pipeline, plain)
    assert types_in(plain) == set(ALLOWED_TYPES) - {"builtins.int"}
    weighted = tmp_path / "weighted.skops"
    model = LogisticRegression(class_weight={0: 1.0, 1: 3.0}, max_iter=1000, random_state=1)
    dump_raw(scaled(("model", model)).fit(*data), weighted)
    assert types_in(weighted) == set(ALLOWED_TYPES)
    sha = sha256_of(weighted)
    loaded = load(weighted, expected_sha256=sha, expected_sklearn_version=VERSION)
    assert loaded[-1].class_weight == {0: 1.0, 1: 3.0}


def test_refusals_carry_a_reason_and_say_it(tmp_path: Path) -> None:
    with pytest.raises(ArtifactRefused, match=r"^missing: ") as caught:
        load(tmp_path / "gone.skops", expected_sha256="0" * 64, expected_sklearn_version=VERSION)
    assert caught.value.reason == "missing"
