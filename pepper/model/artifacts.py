"""Model artifacts on disk: written with skops, loaded only when the database vouches for them.

pickle and joblib run code on load, so an artifact is a skops file, and a server loads one
only after four checks, in this order (PRODUCTION.md, "Model artifacts"):

1. the file exists;
2. its sha256 equals the one recorded with the version. This is checked on the raw bytes
   before anything is parsed, and every later step works on those same bytes in memory,
   so a file swapped between the check and the load cannot slip through;
3. the running scikit-learn is the version the model was trained with (an unpickled
   estimator under another version is unsupported and can mispredict silently), both as
   recorded in the database and as recorded inside the file;
4. every type named in the file is on ALLOWED_TYPES, the exact types a fitted
   StandardScaler + LogisticRegression Pipeline consists of.

Step 4 is stricter than skops's own audit on purpose. ``skops.io.get_untrusted_types``
treats every scikit-learn estimator and every numpy ufunc as trusted by default, so a file
holding a RandomForest or ``FunctionTransformer(numpy.log1p)`` reports no untrusted types
at all. We therefore also read ``schema.json`` (plain JSON, nothing is constructed) and
check each node's type and loader ourselves.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import uuid
import zipfile
from pathlib import Path
from typing import Any, Literal

import sklearn
import skops.io
from sklearn.pipeline import Pipeline

RefusalReason = Literal[
    "hash_mismatch", "sklearn_version_mismatch", "untrusted_types", "missing", "corrupt"
]

# Every `__module__.__class__` in schema.json of a fitted
#   Pipeline([("scale", StandardScaler()), ("model", LogisticRegression(...))])
# saved with skops 0.16.0 under scikit-learn 1.9.1 (listed by walking the schema of a real
# dump; tests/unit/model/test_artifacts.py re-derives it, so an upgrade that changes the
# list fails a test instead of refusing every model in production). `builtins.int` is not
# in a default dump: it appears only as the key type of a `class_weight={0: .., 1: ..}`
# dict, a legitimate setting. Loading an allowed type constructs it from JSON or from an
# .npy read with allow_pickle=False; no function or arbitrary class is ever resolved.
ALLOWED_TYPES: tuple[str, ...] = (
    "builtins.dict",
    "builtins.int",
    "builtins.list",
    "builtins.str",
    "builtins.tuple",
    "numpy.float64",
    "numpy.ndarray",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
)

# The skops node kinds such a dump uses. The loader decides how a node is rebuilt: a
# MethodNode or FunctionNode names its callable in its content, not in __class__, so a
# type allow-list alone would let one through under an allowed class name. CachedNode is
# a back-reference to a node already loaded from the same file.
ALLOWED_LOADERS: frozenset[str] = frozenset(
    {
        "CachedNode",
        "DictNode",
        "JsonNode",
        "ListNode",
        "NdArrayNode",
        "ObjectNode",
        "TupleNode",
        "TypeNode",
    }
)


class ArtifactRefused(Exception):
    """A model artifact that must not be loaded (or saved), and why."""

    def __init__(self, reason: RefusalReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: RefusalReason = reason
        self.detail = detail


def sha256_of(path: Path) -> str:
    """The sha256 hex digest of a file, read in chunks."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def save(pipeline: Pipeline, path: Path) -> str:
    """Write the pipeline with skops to a new file at path; return the file's sha256."""
    data = skops.io.dumps(pipeline)
    # Refuse at training time what every server would refuse at load time.
    _audit_types(_read_schema(data))
    # Write beside the target, then hard-link into place: the final name appears only
    # complete, and an existing artifact is never overwritten (versions are immutable;
    # os.link raises FileExistsError where os.replace would silently replace).
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return hashlib.sha256(data).hexdigest()


def load(path: Path, *, expected_sha256: str, expected_sklearn_version: str) -> Pipeline:
    """The pipeline at path, or ArtifactRefused unless hash, version and types all check out."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArtifactRefused("missing", str(path)) from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256.lower():
        raise ArtifactRefused("hash_mismatch", f"{path}: sha256 {actual}")
    if sklearn.__version__ != expected_sklearn_version:
        raise ArtifactRefused(
            "sklearn_version_mismatch",
            f"trained with {expected_sklearn_version}, running {sklearn.__version__}",
        )
    schema = _read_schema(data)
    recorded = _recorded_sklearn_versions(schema)
    if recorded - {sklearn.__version__}:
        raise ArtifactRefused(
            "sklearn_version_mismatch",
            f"file records {sorted(recorded)}, running {sklearn.__version__}",
        )
    _audit_types(schema)
    try:
        untrusted = set(skops.io.get_untrusted_types(data=data))
    except Exception as error:
        raise ArtifactRefused("corrupt", repr(error)) from error
    if untrusted - set(ALLOWED_TYPES):
        raise ArtifactRefused("untrusted_types", ", ".join(sorted(untrusted)))
    try:
        pipeline = skops.io.loads(data, trusted=list(ALLOWED_TYPES))
    except Exception as error:
        raise ArtifactRefused("corrupt", repr(error)) from error
    if type(pipeline) is not Pipeline:
        raise ArtifactRefused("corrupt", f"holds a {type(pipeline).__name__}, not a Pipeline")
    return pipeline


def _read_schema(data: bytes) -> dict[str, Any]:
    # zipfile and json only parse; nothing named in the schema is imported or constructed.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            schema = json.loads(archive.read("schema.json"))
    except Exception as error:
        raise ArtifactRefused("corrupt", f"unreadable skops file: {error!r}") from error
    if not isinstance(schema, dict):
        raise ArtifactRefused("corrupt", "schema.json is not an object")
    return schema


def _nodes(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every skops node (a JSON object with a __class__) in the schema, at any depth."""
    # Iterative, so a maliciously deep schema cannot exhaust the interpreter's stack.
    found: list[dict[str, Any]] = []
    stack: list[Any] = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "__class__" in item:
                found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _audit_types(schema: dict[str, Any]) -> None:
    types: set[str] = set()
    loaders: set[str] = set()
    for node in _nodes(schema):
        types.add(f"{node.get('__module__')}.{node.get('__class__')}")
        loaders.add(str(node.get("__loader__")))
    bad = sorted(types - set(ALLOWED_TYPES)) + sorted(loaders - ALLOWED_LOADERS)
    if bad:
        raise ArtifactRefused("untrusted_types", ", ".join(bad))


def _recorded_sklearn_versions(schema: dict[str, Any]) -> set[str]:
    # Each estimator's state dict holds "_sklearn_version" as a JSON-encoded string.
    versions: set[str] = set()
    for node in _nodes(schema):
        content = node.get("content")
        if not isinstance(content, dict):
            continue
        entry = content.get("_sklearn_version")
        if isinstance(entry, dict):
            try:
                versions.add(str(json.loads(entry["content"])))
            except (KeyError, TypeError, ValueError) as error:
                raise ArtifactRefused("corrupt", "unreadable _sklearn_version") from error
    return versions
