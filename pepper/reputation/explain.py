"""What a reputation score shows people: bucketed counts, categories and reason texts.

Counts are shown in buckets, never exactly: an exact count would let anyone who can look
a number up watch it change and learn who reported whom. Texts never contain a caller's
number; ranges are shown as short prefixes ("415-555").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from pepper.screening.types import Reason

if TYPE_CHECKING:
    from pepper.reputation.core import Evidence

MAX_REASONS = 3
# Factors that moved the log-odds by less than this are noise, not a reason.
MIN_REASON_SHIFT = 0.1

_TEXTS = {
    "spam_reports": "{n} people reported this number as spam",
    "not_spam_reports": "{n} people said this number is not spam",
    "complaints": "{n} complaints about this number",
    "range_complaints": "{n} complaints about other numbers in {where}",
    "range_spam_reports": "{n} people reported other numbers in {where} as spam",
}
NO_HISTORY = Reason("no_history", "No recent reports or complaints about this number")

# Range keys as pepper.numbers.range_keys makes them. Anything else (a whole number passed
# by mistake, a NANP prefix of another length) is never shown: it could be a caller's.
_NANP_KEY = re.compile(r"\+1:(\d{3})(\d{3})(\d?)")
_OTHER_KEY = re.compile(r"\+([02-9]\d{0,2}):(\d{2,8})")


def bucket(n: int) -> str:
    """The bucket a count is shown in: "0", "1-4", "5-19", "20-99" or "100+"."""
    if n >= 20:
        return "100+" if n >= 100 else "20-99"
    if n >= 1:
        return "5-19" if n >= 5 else "1-4"
    return "0"  # also for negative counts, which only a bug could produce


def dominant_category(categories: Mapping[str, int]) -> str | None:
    """The most reported category; ties go to the alphabetically first name.

    Alphabetical order rather than insertion order, so that the answer does not depend
    on the order in which the database happened to return the rows.
    """
    best: tuple[int, str] | None = None
    for name, count in categories.items():
        if count > 0 and (best is None or (-count, name) < (-best[0], best[1])):
            best = (count, name)
    return None if best is None else best[1]


def range_label(key: str) -> str:
    """'the 415-555 range' for "+1:415555"; elsewhere digits in groups of at most three."""
    nanp = _NANP_KEY.fullmatch(key)
    if nanp:
        return "the " + "-".join(part for part in nanp.groups() if part) + " range"
    other = _OTHER_KEY.fullmatch(key)
    if other is None:
        return "its range"
    digits = other.group(2)
    groups = " ".join(digits[i : i + 3] for i in range(0, len(digits), 3))
    return f"the +{other.group(1)} {groups} range"


def reason(code: str, count: int, range_key: str | None = None) -> Reason:
    """The user-facing reason for one factor; `count` is shown bucketed."""
    return _reason(code, bucket(count), range_key)


# Reasons are immutable and few distinct ones exist per range: caching them keeps the
# text formatting off the per-call path (bounded, so a process never grows with it).
@lru_cache(maxsize=8192)
def _reason(code: str, shown: str, range_key: str | None) -> Reason:
    where = "" if range_key is None else range_label(range_key)
    return Reason(code, _TEXTS[code].format(n=shown, where=where))


Factor = tuple[str, float, int, str | None]  # code, log-odds shift, count, range key


def pick_reasons(factors: list[Factor], *, first: str | None = None) -> tuple[Reason, ...]:
    """The reasons for the factors that moved the score most (at most MAX_REASONS).

    Ordered by the size of their shift, except that the factor coded `first` (what
    decided the score) leads; ties keep the order in which they were given. A factor
    that moved the score stands for at least one event, whatever its count says.
    """
    # Sort keys first in each tuple (a plain tuple sort is the fastest); i breaks ties.
    strong = [
        (code != first, -abs(shift), i, code, n, key)
        for i, (code, shift, n, key) in enumerate(factors)
        if abs(shift) >= MIN_REASON_SHIFT
    ]
    if not strong:
        return (NO_HISTORY,)
    strong.sort()
    return tuple([_reason(c, bucket(max(n, 1)), k) for *_, c, n, k in strong[:MAX_REASONS]])


# How far each kind of evidence moved the log-odds (positive: towards spam): the number's
# complaints, spam reports and not-spam reports, then its range's complaints and reports.
Shifts = tuple[float, float, float, float, float]
Evidence3 = tuple[float, float, float]


def attribute(own: Evidence3, lift: Evidence3, k: float, a: float, b: float) -> Shifts:
    """Split k * log(1 + s/a) and k * log(1 + h/b) among the kinds of evidence by weight.

    `own` is the number's (reports, complaints, not-spam), `lift` its range's
    (complaints, reports, not-spam), all in units of evidence.
    """
    reports, complaints, ham = own
    by_complaints, by_reports, by_ham = lift
    spam = reports + complaints + by_complaints + by_reports
    ham_total = ham + by_ham
    up = k * math.log1p(spam / a) / spam if spam else 0.0
    down = k * math.log1p(ham_total / b) / ham_total if ham_total else 0.0
    return (up * complaints, up * reports, -down * ham, up * by_complaints, up * by_reports)


def explain(
    evidence: Evidence, shifts: Shifts, range_index: int, *, trusted: bool
) -> tuple[str | None, tuple[Reason, ...]]:
    """The category and the reasons of a score; `range_index` is the range used, or -1."""
    number = evidence.number or _NO_ROW
    complaints, reports, not_spam, range_complaints, range_reports = shifts
    factors: list[Factor] = [
        ("complaints", complaints, number.complaint_n, None),
        ("spam_reports", reports, number.spam_n, None),
        ("not_spam_reports", not_spam, number.ham_n, None),
    ]
    if range_index >= 0:
        key, row = evidence.ranges[range_index]
        # The range's counts include the number's own: show the neighbours' only.
        others = (row.complaint_n - number.complaint_n, row.spam_n - number.spam_n)
        factors.append(("range_complaints", range_complaints, others[0], key))
        factors.append(("range_spam_reports", range_reports, others[1], key))
    # When trusted, the not-spam reports are what decided: they lead.
    reasons = pick_reasons(factors, first="not_spam_reports" if trusted else None)
    if trusted:
        return None, reasons
    return _category(evidence, complaints, range_complaints), reasons


def _category(evidence: Evidence, complaints: float, range_complaints: float) -> str | None:
    """The most reported category; "robocall" when complaints (FTC: robocalls) drive it."""
    number = evidence.number
    if number is not None and (number.spam_w > 0 or number.spam_n > 0):
        named = dominant_category(evidence.categories)
        if named is not None:
            return named
    if max(complaints, range_complaints) >= MIN_REASON_SHIFT:
        return "robocall"
    return None


class _Zero(NamedTuple):
    """Stands in for the row of a never-seen number."""

    complaint_n: int = 0
    spam_n: int = 0
    ham_n: int = 0


_NO_ROW = _Zero()
