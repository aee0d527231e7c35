"""Reputation: how likely a caller is to be spam, from reports, complaints and its ranges.

Every row (a number, or a range of numbers) keeps decayed weights of "spam" reports,
"not spam" reports and FTC complaints. A weight halves every `half_life_days` (90): a
disconnected US number can be given to someone new after 45 to 90 days, and campaigns
burn through numbers faster than that, so old evidence fades. One half-life for every
counter keeps a row exact as of a single `ref_epoch`. Reports are weighted on the way in
(`report_weight`): a new device counts 0.2, rising to 1 over 30 days, and a device's
reports beyond 20 a day count nothing.

A number starts at `prior_spam` (0.15: an unknown caller is probably legitimate). Its
spam propensity has a Beta(a, b) prior of the same mean, worth 12 reports (a = 1.8,
b = 10.2). Spam reports and complaints are observations on the spam side, "not spam"
reports on the other. A "not spam" report counts double, because the owner of a spoofed
number and the people who know them must be able to clear it; a complaint counts half,
because it is anonymous, cannot be withdrawn and is often about a spoofed caller ID.

The ranges of a number are part of its prior (hierarchical Bayes). Campaigns rotate
through the numbers of an exchange: in the FTC data only ~5% of a week's complaints are
about a number complained about before, but about half fall in exchanges with three or
more earlier complaints. So the evidence about the *other* numbers of a range is added to
the number's own, discounted (a complaint in the exchange counts 1/6, in the ten times
smaller thousands-block 1/2) and capped, so that a range alone can take a never-seen
number to 0.85, enough to silence it but not to block it at the default thresholds. Range
rows include the number's own events; those are subtracted so that nothing counts twice.
Ranges nest, so only the one that raises the score most is used, and a range can only
raise a number's score: its own "not spam" reports are what clears a number.

The score adds the log Bayes factor of the evidence, scaled by `evidence_weight` k, to
the prior log-odds: logit(p) = logit(prior) + k * (log(1 + s/a) - log(1 + h/b)) for spam
evidence s and not-spam evidence h. With k = 3.2 the first report multiplies the odds by
4.1 and each further one by less: one report is a hint (0.42), two silence (0.66), five
are a verdict (0.93), and a hundred devices move the odds by the log of their number,
not by their number.

A number whose own "not spam" evidence outweighs its spam evidence, and is worth at least
one established device's report, is *trusted*: it scores at most its own posterior mean
(3 spam and 3 "not spam" reports: 0.23), whatever its ranges say. Admin labels are the
policy's business (`pepper.screening.policy`), not this module's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import NamedTuple

from pepper.reputation.explain import attribute, explain
from pepper.screening.types import Score

_SECONDS_PER_DAY = 86_400.0
_MAX_WEIGHT = 1e12  # no real row gets near this; clamping keeps the arithmetic finite
_MAX_LOGIT = 30.0  # keeps p strictly inside (0, 1) in floating point
_NO_CATEGORIES: Mapping[str, int] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Counters:
    """One row of decayed evidence; the *_w values are exact at `ref_epoch`."""

    spam_w: float = 0.0
    ham_w: float = 0.0
    complaint_w: float = 0.0
    spam_n: int = 0
    ham_n: int = 0
    complaint_n: int = 0
    ref_epoch: float = 0.0


@dataclass(frozen=True, slots=True)
class ReputationParams:
    """The model's tunable numbers; the module docstring explains how they fit together."""

    # Reassigned numbers (45-90 days of aging in the US) and short campaigns: see above.
    half_life_days: float = 90.0
    # Where a number without evidence starts: an unknown caller is probably legitimate.
    prior_spam: float = 0.15
    # The Beta(a, b) prior, in reports: the larger a, the more spam reports it takes to
    # move a number, and b likewise for "not spam" reports. a / (a + b) = prior_spam, worth
    # 12 reports; with evidence_weight chosen so that one report stays a hint (0.42, under
    # every default silence threshold, the lowest being 0.45) while five reports (0.93)
    # or ten fresh complaints (0.92) are a verdict. Kept apart from prior_spam so that
    # each knob moves scores one way only.
    prior_a: float = 1.8
    prior_b: float = 10.2
    # Log-odds scale of the evidence (see above). Above 1 because a bare Beta posterior
    # mean cannot do both: its odds grow at most fivefold from 1 to 5 reports.
    evidence_weight: float = 3.2
    # Report weights are already per device (report_weight); 1.0 keeps them as they are.
    spam_report_weight: float = 1.0
    # Anonymous, unverifiable and often about a spoofed number: half a report.
    complaint_weight: float = 0.5
    # Spoofing victims must be clearable: a "not spam" report outweighs a spam report.
    not_spam_weight: float = 2.0
    # Per unit of a neighbour's evidence, widest range first as range_keys gives them
    # (exchange, thousands-block); further ranges use the last. In the FTC data, a block
    # with k complaints is about as rare as an exchange with 3k, hence 3x. At most 1: a
    # number's own evidence counts more than a neighbour's, so that adding an event to a
    # number (and, as storage does, to its ranges) can never lower its score.
    range_weights: tuple[float, ...] = (1 / 6, 1 / 2)
    # The most a range alone can make of a never-seen number: silence, not block (the
    # default block threshold is 0.9; only "high" sensitivity, at 0.8, blocks on it).
    range_max_p: float = 0.85
    # Trust needs at least one established device's "not spam" (weighted): a single new
    # device cannot pre-clear the fresh numbers of a campaign.
    trust_min_not_spam: float = 2.0
    # A device registered today counts this much, rising linearly to 1 ...
    new_device_weight: float = 0.2
    # ... over this many days: report-bombing needs many devices kept for a month.
    device_trust_days: float = 30.0
    # Reports of one device within 24 h that count; further ones weigh 0.
    daily_report_cap: int = 20

    # Derived once, in __post_init__, so that scoring does not recompute them per call.
    prior_logit: float = field(init=False, repr=False, compare=False, default=0.0)
    range_cap: float = field(init=False, repr=False, compare=False, default=0.0)
    logit_offset: float = field(init=False, repr=False, compare=False, default=0.0)
    half_life_s: float = field(init=False, repr=False, compare=False, default=0.0)

    def __post_init__(self) -> None:
        _require(self.half_life_days > 0, "half_life_days must be > 0")
        _require(0 < self.prior_spam < 1, "prior_spam must be in (0, 1)")
        _require(self.prior_a > 0 and self.prior_b > 0, "prior_a and prior_b must be > 0")
        _require(0 < self.evidence_weight < math.inf, "evidence_weight must be > 0")
        weights = (self.spam_report_weight, self.complaint_weight, self.not_spam_weight)
        _require(all(0 <= w < math.inf for w in weights), "report weights must be >= 0")
        _require(all(0 <= w <= 1 for w in self.range_weights), "range_weights must be in [0, 1]")
        _require(self.prior_spam < self.range_max_p < 1, "range_max_p must be in (prior, 1)")
        _require(self.trust_min_not_spam >= 0, "trust_min_not_spam must be >= 0")
        _require(0 <= self.new_device_weight <= 1, "new_device_weight must be in [0, 1]")
        _require(self.device_trust_days > 0, "device_trust_days must be > 0")
        _require(self.daily_report_cap >= 0, "daily_report_cap must be >= 0")
        k, a, b = self.evidence_weight, self.prior_a, self.prior_b
        prior_logit = math.log(self.prior_spam / (1 - self.prior_spam))
        max_shift = math.log(self.range_max_p / (1 - self.range_max_p)) - prior_logit
        # The spam pseudo-evidence at which a range alone reaches range_max_p.
        object.__setattr__(self, "range_cap", a * math.expm1(max_shift / k))
        object.__setattr__(self, "prior_logit", prior_logit)
        # logit(p) = prior_logit + k * (log((a + s) / (b + h)) - log(a / b))
        object.__setattr__(self, "logit_offset", prior_logit - k * math.log(a / b))
        object.__setattr__(self, "half_life_s", self.half_life_days * _SECONDS_PER_DAY)


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(f"ReputationParams: {message}")


DEFAULT_PARAMS = ReputationParams()


@dataclass(frozen=True, slots=True)
class Evidence:
    """What storage knows about a number: its own row, its ranges' rows, its categories.

    Range rows are expected to include the number's own events (every event is added to
    the number's row and to each of its range rows); scoring subtracts them.
    """

    number: Counters | None
    ranges: tuple[tuple[str, Counters], ...]  # (range key, row), widest first
    categories: Mapping[str, int] = field(default_factory=lambda: _NO_CATEGORIES)


def decay_factor(ref_epoch: float, now_epoch: float, half_life_days: float) -> float:
    """The share of a weight exact at `ref_epoch` that is left at `now_epoch`."""
    if not half_life_days > 0:
        raise ValueError("half_life_days must be > 0")
    age = now_epoch - ref_epoch
    if not age > 0:  # also NaN: clock skew between hosts must never inflate evidence
        return 1.0
    return math.exp2(-age / (half_life_days * _SECONDS_PER_DAY))


def decayed(c: Counters, now_epoch: float, half_life_days: float) -> Counters:
    """`c` with its weights as of `now_epoch`; counts unchanged.

    The new `ref_epoch` is `now_epoch`, or the row's own if that is later (clock skew):
    the weights are then unchanged and still exact at the later time.
    """
    f = decay_factor(c.ref_epoch, now_epoch, half_life_days)
    return replace(
        c,
        spam_w=c.spam_w * f,
        ham_w=c.ham_w * f,
        complaint_w=c.complaint_w * f,
        ref_epoch=max(c.ref_epoch, now_epoch),
    )


def contribution(
    weight: float, event_epoch: float, now_epoch: float, half_life_days: float
) -> float:
    """What an event of `weight` at `event_epoch` adds to a row's weight as of `now_epoch`."""
    return weight * decay_factor(event_epoch, now_epoch, half_life_days)


def report_weight(
    *, device_age_days: float, reports_last_24h: int, params: ReputationParams = DEFAULT_PARAMS
) -> float:
    """How much one report of a device counts, in [0, 1].

    `reports_last_24h` is the number of reports the device made in the 24 hours before
    this one (not counting it): with the default cap of 20, the 21st report weighs 0.
    """
    if not reports_last_24h < params.daily_report_cap:
        return 0.0
    age = device_age_days if device_age_days > 0 else 0.0  # negative or NaN: brand new
    ramp = min(age / params.device_trust_days, 1.0)
    return params.new_device_weight + (1.0 - params.new_device_weight) * ramp


def _weigh(c: Counters, now: float, p: ReputationParams) -> tuple[float, float, float]:
    """A row's (spam reports, complaints, not-spam) as of `now`, in units of evidence.

    NaN and negative weights count as 0 and huge ones are clamped, so that no row, however
    corrupt, can make the arithmetic below raise or return NaN.
    """
    age = now - c.ref_epoch
    f = math.exp2(-age / p.half_life_s) if age > 0 else 1.0  # = decay_factor, inlined
    spam, complaints, ham = c.spam_w * f, c.complaint_w * f, c.ham_w * f
    return (
        (min(spam, _MAX_WEIGHT) if spam > 0 else 0.0) * p.spam_report_weight,
        (min(complaints, _MAX_WEIGHT) if complaints > 0 else 0.0) * p.complaint_weight,
        (min(ham, _MAX_WEIGHT) if ham > 0 else 0.0) * p.not_spam_weight,
    )


class _Lift(NamedTuple):
    """What the most telling range adds to a number's own evidence."""

    complaints: float  # spam pseudo-evidence from the neighbours' complaints
    reports: float  # ... and from their spam reports
    ham: float  # "not spam" pseudo-evidence from their not-spam reports
    range_index: int  # which of Evidence.ranges; -1 for none


_NO_LIFT = _Lift(0.0, 0.0, 0.0, -1)


def _best_range(
    ranges: tuple[tuple[str, Counters], ...],
    own: tuple[float, float, float],
    now: float,
    p: ReputationParams,
) -> _Lift:
    """The range that raises the number's posterior odds most; _NO_LIFT if none does.

    A range can add suspicion, and its "not spam" reports can temper that, but it never
    lowers a number below its own evidence: only the number's own reports clear it.
    """
    reports, complaints, ham = own
    spam_base, ham_base = p.prior_a + reports + complaints, p.prior_b + ham
    best, best_odds = _NO_LIFT, spam_base / ham_base
    weights = p.range_weights
    last = len(weights) - 1
    for i, (_, row) in enumerate(ranges if weights else ()):
        w = weights[min(i, last)]
        r_reports, r_complaints, r_ham = _weigh(row, now, p)
        # Range rows include the number's own events: only the neighbours' count here.
        by_reports = w * max(r_reports - reports, 0.0)
        by_complaints = w * max(r_complaints - complaints, 0.0)
        lift = by_reports + by_complaints
        if lift > p.range_cap:
            scale = p.range_cap / lift
            by_reports, by_complaints, lift = by_reports * scale, by_complaints * scale, p.range_cap
        by_ham = w * max(r_ham - ham, 0.0)
        odds = (spam_base + lift) / (ham_base + by_ham)
        if odds > best_odds:
            best, best_odds = _Lift(by_complaints, by_reports, by_ham, i), odds
    return best


def score_reputation(
    evidence: Evidence,
    now_epoch: float,
    params: ReputationParams = DEFAULT_PARAMS,
    *,
    version: str = "reputation-v1",
) -> Score:
    """The probability that a number is spam, from its own and its ranges' evidence."""
    p = params
    own = _NOTHING if evidence.number is None else _weigh(evidence.number, now_epoch, p)
    reports, complaints, ham = own
    lift = _best_range(evidence.ranges, own, now_epoch, p)
    trusted = ham > reports + complaints and ham >= p.trust_min_not_spam
    if trusted:
        lift = _NO_LIFT  # whatever its ranges say
    spam_total = p.prior_a + reports + complaints + lift.complaints + lift.reports
    ham_total = p.prior_b + ham + lift.ham
    # The prior log-odds plus k times the log Bayes factor, which is the Beta posterior
    # odds (a + s) / (b + h) over the prior odds a / b: see logit_offset.
    log_odds = math.log(spam_total / ham_total)
    logit = p.evidence_weight * log_odds + p.logit_offset
    if trusted:  # at most its own evidence at face value (k = 1): its posterior mean
        logit = min(logit, p.prior_logit + log_odds - math.log(p.prior_a / p.prior_b))
    shifts = attribute(
        own, (lift.complaints, lift.reports, lift.ham), p.evidence_weight, p.prior_a, p.prior_b
    )
    category, reasons = explain(evidence, shifts, lift.range_index, trusted=trusted)
    return Score(_sigmoid(logit), version, category, reasons, trusted)


_NOTHING = (0.0, 0.0, 0.0)


def _sigmoid(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-min(max(logit, -_MAX_LOGIT), _MAX_LOGIT)))
