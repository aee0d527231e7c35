"""``extract()`` for many numbers at once, in numpy: the same 40 features, as columns.

Publishing a block list asks the model about every number with evidence (a million of
them); ``extract()`` at a few µs per call would spend most of the publish budget in
Python. These are the same formulas on arrays, group by group, and a unit test holds
them to ``extract()`` row by row on random inputs (to 1e-12: numpy's ``log1p``,
``exp2``, ``sin`` may round the last bit differently), so that training, the live call
and the published lists never drift apart. ``pepper.model.features`` stays the one
definition: change it first, then this module until the test passes.

Inputs are columns. Each optional group (a counter row, a range row, the carrier
pattern) comes with a ``present`` mask, so "no row" stays distinct from "a row of zeros"
exactly as in ``extract()``. A call-context group can be set to "no call" per row:
attestation ``Attestation.ABSENT`` (``att_none``) and a NaN call time (``time_missing``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from pepper.model.features import (
    _ATTESTATION_ONE_HOT,
    _COMPLAINT_WEIGHT,
    _MAX_VALUE,
    _RANGE_WEIGHTS,
    _SECONDS_PER_DAY,
    _SECONDS_PER_HOUR,
    _TYPE_INDEX,
    FEATURE_NAMES,
)
from pepper.numbers import NumberType
from pepper.screening.types import Attestation

Floats: TypeAlias = NDArray[np.float64]
Bools: TypeAlias = NDArray[np.bool_]
Ints: TypeAlias = NDArray[np.int64]

TYPE_OTHER = 6  # the type_other column of the number-type one-hot
ATTESTATIONS: tuple[Attestation, ...] = tuple(Attestation)


def type_index(number_type: NumberType) -> int:
    """The column of ``number_type`` in the type one-hot (``extract()``'s mapping)."""
    return _TYPE_INDEX.get(number_type, TYPE_OTHER)


def attestation_index(attestation: Attestation) -> int:
    """The column of ``attestation`` in the attestation one-hot."""
    return _ATTESTATION_ONE_HOT[attestation].index(1.0)


NO_ATTESTATION = attestation_index(Attestation.ABSENT)


class _Columns:
    def take(self, rows: Any) -> Any:
        """The same columns for a subset of rows (a slice, mask or index array)."""
        return type(self)(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False)
class CounterColumns(_Columns):
    """Counter rows (``pepper.reputation.Counters``); ``events`` = spam_n + ham_n +
    complaint_n. Rows where ``present`` is False are ignored whatever they hold."""

    present: Bools
    spam_w: Floats
    ham_w: Floats
    complaint_w: Floats
    events: Floats
    ref_epoch: Floats


@dataclass(frozen=True, eq=False)
class PatternColumns(_Columns):
    """Carrier call patterns (``CallerPattern``), one per row where ``present``."""

    present: Bools
    calls: Floats
    subscribers: Floats
    finished: Floats
    answered: Floats
    short_calls: Floats
    challenge_passed: Floats
    challenge_failed: Floats
    first_epoch: Floats
    last_epoch: Floats


@dataclass(frozen=True, eq=False)
class BatchInputs(_Columns):
    """``FeatureInputs`` as columns, one row per call (or per listed number)."""

    type_index: Ints  # type_index(number.number_type)
    nanp: Bools  # number.country_code == 1
    valid: Bools  # number.is_valid
    identified: Bools  # neither withheld nor a short code, and has an e164
    own: CounterColumns
    ranges: tuple[CounterColumns, ...]  # present ranges count, widest first
    pattern: PatternColumns
    attestation: Ints  # attestation_index(); NO_ATTESTATION without a call
    call_epoch: Floats  # call_time.timestamp(); NaN: no (or a naive) call time
    first_seen: Floats  # NaN: never seen
    now_epoch: float
    half_life_days: float = 90.0

    def take(self, rows: Any) -> BatchInputs:
        def cut(x: Any) -> Any:
            return x.take(rows) if isinstance(x, _Columns) else x[rows]

        return BatchInputs(
            type_index=cut(self.type_index), nanp=cut(self.nanp), valid=cut(self.valid),
            identified=cut(self.identified), own=cut(self.own),
            ranges=tuple(cut(r) for r in self.ranges), pattern=cut(self.pattern),
            attestation=cut(self.attestation), call_epoch=cut(self.call_epoch),
            first_seen=cut(self.first_seen), now_epoch=self.now_epoch,
            half_life_days=self.half_life_days,
        )  # fmt: skip


def extract_many(inputs: BatchInputs) -> Floats:
    """An (n, 40) array whose row i is ``extract()`` of call i."""
    n = inputs.type_index.shape[0]
    out = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float64)
    ident = inputs.identified
    with np.errstate(all="ignore"):
        out[np.arange(n), np.clip(inputs.type_index, 0, TYPE_OTHER)] = 1.0
        out[:, 7] = ident & inputs.nanp
        out[:, 8] = ident & inputs.valid
        out[:, 9:11] = _age(np.where(ident, inputs.first_seen, np.nan), inputs.now_epoch)
        own_present = ident & inputs.own.present
        own = _values(inputs.own, inputs.now_epoch, inputs.half_life_days)
        own = tuple(np.where(own_present, v, 0.0) for v in own)
        out[:, 11:15] = np.log1p(np.column_stack(own))
        out[:, 15] = ~own_present
        out[:, 16:21] = _best_range(inputs, ident, own)
        out[:, 21:30] = _pattern(inputs.pattern, ident)
        out[np.arange(n), 30 + np.clip(inputs.attestation, 0, 5)] = 1.0
        out[:, 36:40] = _time(inputs.call_epoch)
    return out


def _clean(x: Floats) -> Floats:
    """features._clean on arrays: NaN and negatives are 0, huge values capped."""
    return np.where(x > 0, np.minimum(x, _MAX_VALUE), 0.0)


def _decay(ref_epoch: Floats, now: float, half_life_days: float) -> Floats:
    age = now - ref_epoch
    return np.where(age > 0, np.exp2(-age / (half_life_days * _SECONDS_PER_DAY)), 1.0)


def _values(rows: CounterColumns, now: float, half_life_days: float) -> tuple[Floats, ...]:
    f = _decay(rows.ref_epoch, now, half_life_days)
    return (
        _clean(rows.spam_w * f),
        _clean(rows.ham_w * f),
        _clean(rows.complaint_w * f),
        _clean(rows.events),
    )


def _age(first_seen: Floats, now: float) -> Floats:
    known = np.isfinite(first_seen) & np.isfinite(now)
    days = np.log1p(_clean((now - first_seen) / _SECONDS_PER_DAY))
    return np.column_stack((np.where(known, days, 0.0), ~known))


def _best_range(inputs: BatchInputs, ident: Bools, own: tuple[Floats, ...]) -> Floats:
    """The neighbours' evidence in the range that weighs most on the spam side."""
    s0, h0, c0, n0 = own
    now, half_life = inputs.now_epoch, inputs.half_life_days
    n = ident.shape[0]
    best = np.full(n, -1.0)
    chosen = np.zeros((n, 4))
    position = np.zeros(n, dtype=np.intp)
    weights = np.asarray(_RANGE_WEIGHTS, dtype=np.float64)
    for rows in inputs.ranges:
        present = ident & rows.present
        f = _decay(rows.ref_epoch, now, half_life)
        spam = _clean(rows.spam_w * f - s0)
        complaints = _clean(rows.complaint_w * f - c0)
        w = weights[np.minimum(position, weights.size - 1)]
        weight = w * (spam + _COMPLAINT_WEIGHT * complaints)
        better = present & (weight > best)
        best = np.where(better, weight, best)
        values = np.column_stack(
            (spam, _clean(rows.ham_w * f - h0), complaints, _clean(_clean(rows.events) - n0))
        )
        chosen = np.where(better[:, None], values, chosen)
        position = position + present
    found = best >= 0.0
    logs = np.where(found[:, None], np.log1p(chosen), 0.0)
    return np.column_stack((logs, ~found))


def _share(part: Floats, whole: Floats) -> Floats:
    share = part / whole
    return np.where(share > 0, np.minimum(share, 1.0), 0.0)


def _pattern(p: PatternColumns, ident: Bools) -> Floats:
    calls = _clean(p.calls)
    seen = ident & p.present & (calls > 0)
    span = p.last_epoch - p.first_epoch
    hours = np.where(span > _SECONDS_PER_HOUR, span / _SECONDS_PER_HOUR, 1.0)
    finished = _clean(p.finished)
    outcomes = seen & (finished > 0)
    columns = (
        np.log1p(calls),
        np.log1p(_clean(p.subscribers)),
        np.log1p(calls / hours),
        _share(_clean(p.challenge_passed), calls),
        _share(_clean(p.challenge_failed), calls),
    )
    out = np.zeros((ident.shape[0], 9))
    out[:, 0:5] = np.where(seen[:, None], np.column_stack(columns), 0.0)
    out[:, 5] = ~seen
    shares = np.column_stack(
        (_share(_clean(p.short_calls), finished), _share(_clean(p.answered), finished))
    )
    out[:, 6:8] = np.where(outcomes[:, None], shares, 0.0)
    out[:, 8] = ~outcomes
    return out


def _time(ts: Floats) -> Floats:
    known = np.isfinite(ts)
    safe = np.where(known, ts, 0.0)
    angle = 2.0 * np.pi * np.mod(safe, _SECONDS_PER_DAY) / _SECONDS_PER_DAY
    weekday = np.mod(np.floor(safe / _SECONDS_PER_DAY) + 3, 7)
    values = np.column_stack((np.sin(angle), np.cos(angle), weekday >= 5))
    return np.column_stack((np.where(known[:, None], values, 0.0), ~known))


def count_value(n: int) -> float:
    """An integer counter (or a sum of them) as the float column ``extract()`` reads."""
    return float(n) if 0 < n < _MAX_VALUE else (_MAX_VALUE if n > 0 else 0.0)


def no_call(n: int) -> tuple[Ints, Floats]:
    """Attestation and call-time columns for rows with no call: both missing."""
    return np.full(n, NO_ATTESTATION, dtype=np.int64), np.full(n, np.nan)


def counter_columns(present: Sequence[bool], matrix: Any) -> CounterColumns:
    """From an (n, 5) array: spam_w, ham_w, complaint_w, events, ref_epoch."""
    m = np.asarray(matrix, dtype=np.float64).reshape(-1, 5)
    return CounterColumns(
        np.asarray(present, dtype=np.bool_), m[:, 0], m[:, 1], m[:, 2], m[:, 3], m[:, 4]
    )


def pattern_columns(present: Sequence[bool], matrix: Any) -> PatternColumns:
    """From an (n, 9) array in ``PatternColumns`` field order after ``present``."""
    m = np.asarray(matrix, dtype=np.float64).reshape(-1, 9)
    return PatternColumns(np.asarray(present, dtype=np.bool_), *(m[:, i] for i in range(9)))
