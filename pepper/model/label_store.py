"""Reading training labels from the database: operator labels, user reports, feedback.

One label per number, by precedence: an operator's label, then wrong-block/allow
feedback, then agreeing user reports (``labels.label_from_reports``). Numbers known only
from FTC complaints are left to the FTC rows (``ftc_split``), which use them honestly in
time; counting them here as well would train on them twice.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from pepper.model.features import FEATURE_NAMES
from pepper.model.labels import Labelled, features, label_from_reports
from pepper.numbers import InvalidNumber, normalize
from pepper.reputation.core import Counters
from pepper.reputation.storage import evidence_keys, number_key, ranges_found

_OPERATOR = text("SELECT pattern, verdict FROM admin_labels WHERE is_prefix = :no")
_FEEDBACK = text("SELECT e164, label FROM decision_feedback WHERE e164 IS NOT NULL ORDER BY id")
_REPORTED = text(
    "SELECT key, spam_n, ham_n FROM reputation_counters"
    " WHERE key LIKE 'n:%' AND (spam_n >= :least OR ham_n >= :least)"
)
_COUNTERS = text(
    "SELECT key, spam_w, ham_w, complaint_w, spam_n, ham_n, complaint_n, ref_epoch"
    " FROM reputation_counters WHERE key IN :keys"
).bindparams(bindparam("keys", expanding=True))
_CHUNK = 500


def labelled_numbers(session: Session) -> list[Labelled]:
    found: dict[str, tuple[int, str]] = {}
    for key, spam_n, ham_n in session.execute(_REPORTED, {"least": 2}):
        label = label_from_reports(int(spam_n), int(ham_n))
        if label is not None:
            found[key[2:]] = (label, "user_reports")
    for e164, label in session.execute(_FEEDBACK):
        found[e164] = (int(label), "decision_feedback")  # the latest word wins
    for pattern, verdict in session.execute(_OPERATOR, {"no": False}):
        found[pattern] = (1 if verdict == "block" else 0, "operator_label")
    out = []
    for e164, (label, source) in sorted(found.items()):
        try:
            number = normalize(e164)
        except InvalidNumber:
            continue
        if number.e164 is not None and not number.never_block:
            out.append(Labelled(number, label, source))
    return out


def dataset(
    session: Session, now: float, half_life_days: float
) -> tuple[NDArray[np.float64], NDArray[np.int_], dict[str, int]]:
    """Training rows for every labelled number (see labels.features), with counts by
    source."""
    labelled = labelled_numbers(session)
    rows: list[list[float]] = []
    for start in range(0, len(labelled), _CHUNK):
        chunk = labelled[start : start + _CHUNK]
        keys = sorted({k for item in chunk for k in evidence_keys(item.number)})
        counters = {
            row[0]: Counters(*row[1:]) for row in session.execute(_COUNTERS, {"keys": keys})
        }
        for item in chunk:
            e164 = item.number.e164 or ""
            ranges = ranges_found(evidence_keys(item.number), counters)
            own = counters.get(number_key(e164))
            rows.append(features(item.number, own, ranges, now, half_life_days))
    X = np.asarray(rows, dtype=float).reshape(len(rows), len(FEATURE_NAMES))
    y = np.asarray([item.label for item in labelled], dtype=int)
    return X, y, dict(Counter(item.source for item in labelled))
