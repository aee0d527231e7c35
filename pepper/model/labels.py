"""Training labels from what people told us: operator labels, user reports, feedback.

Pure: which label a number's evidence earns, and the features it is trained on.

The features of a labelled number must not contain the evidence that earned the label
— a model trained on "5 spam reports → spam" from rows whose features are those 5
reports learns nothing it could use on a new number. So a labelled number is trained
on what its neighbours say: its own row is left out and its own events are taken out
of its ranges' rows (``leave_own_out``). What the model learns from these rows is how
range evidence predicts what people say about a number, which is what it needs for the
numbers nobody has reported yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from pepper.model.features import extract_without_call
from pepper.numbers import NormalizedNumber
from pepper.reputation.core import Counters, Evidence, decay_factor

# A number's reports earn a label only when at least this many devices agree and the
# other side is outnumbered this many times: one report is not a verdict.
MIN_REPORTS = 2
MAJORITY = 2


@dataclass(frozen=True, slots=True)
class Labelled:
    number: NormalizedNumber
    label: int  # 1 spam, 0 not spam
    source: str  # operator_label | user_reports | decision_feedback


def label_from_reports(spam_n: int, ham_n: int) -> int | None:
    """1 when devices agree it is spam, 0 when they agree it is not, else None."""
    if spam_n >= MIN_REPORTS and spam_n >= MAJORITY * max(ham_n, 1) and spam_n > ham_n:
        return 1
    if ham_n >= MIN_REPORTS and ham_n >= MAJORITY * max(spam_n, 1) and ham_n > spam_n:
        return 0
    return None


def leave_own_out(
    own: Counters | None,
    ranges: tuple[tuple[str, Counters], ...],
    now: float,
    half_life_days: float,
) -> tuple[tuple[str, Counters], ...]:
    """The ranges' rows without the number's own events, as of ``now``."""
    if own is None:
        return ranges
    f_own = decay_factor(own.ref_epoch, now, half_life_days)
    out = []
    for key, row in ranges:
        f = decay_factor(row.ref_epoch, now, half_life_days)
        out.append(
            (
                key,
                Counters(
                    spam_w=max(row.spam_w * f - own.spam_w * f_own, 0.0),
                    ham_w=max(row.ham_w * f - own.ham_w * f_own, 0.0),
                    complaint_w=max(row.complaint_w * f - own.complaint_w * f_own, 0.0),
                    spam_n=max(row.spam_n - own.spam_n, 0),
                    ham_n=max(row.ham_n - own.ham_n, 0),
                    complaint_n=max(row.complaint_n - own.complaint_n, 0),
                    ref_epoch=now,
                ),
            )
        )
    return tuple(out)


def features(
    number: NormalizedNumber,
    own: Counters | None,
    ranges: tuple[tuple[str, Counters], ...],
    now: float,
    half_life_days: float,
) -> list[float]:
    """A labelled number's training row: no call context, no evidence of its own."""
    evidence = Evidence(number=None, ranges=leave_own_out(own, ranges, now, half_life_days))
    return extract_without_call(number, evidence, now, None, half_life_days)
