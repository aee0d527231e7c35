"""The spam model's features: one extractor, used unchanged by training and by serving.

`extract(inputs)` turns what is known about one call into `len(FEATURE_NAMES)` finite
floats, in the fixed order of FEATURE_NAMES. It is pure (no I/O, no clock: `now_epoch`
is an input) and costs about 1 to 15 µs, so serving can call it well inside the webhook's
deadline, and training calls the very same function on simulated or replayed calls.
There are 40 features: every signal the spam model is meant to see, one-hot groups in
full and one `*_missing` indicator per group that can be absent.

Missing signals are explicit. Each group that can be missing has a `*_missing` feature
that is 1.0 when it is, and the group's other values are then 0.0; a 0.0 alone never
stands for "unknown". A share whose denominator is zero is missing, not 0 %. Withheld
callers and short codes (emergency, N11, SMS codes) are not lines that could have a
reputation or a call pattern, so every lookup-based group is missing for them.

The features, in order:

number facts (never missing)
  type_mobile, type_fixed_line, type_fixed_or_mobile, type_toll_free, type_voip,
  type_premium, type_other   one-hot of the number type; withheld and short codes are
                             "other". Toll-free is this one-hot (the number's toll_free
                             flag is exactly its type).
  country_nanp               1.0 for a full +1 number
  number_valid               a valid full number (libphonenumber), 0.0 for short codes
age in our data
  age_log_days               log1p(days since the number first appeared in our data)
  age_missing                never seen before (or not identifiable)
the number's own reputation, decayed to now_epoch
  number_spam_log, number_not_spam_log, number_complaints_log
                             log1p of the decayed spam-report, "not spam" and complaint
                             weights
  number_reports_log         log1p(count of reports and complaints ever)
  number_missing             no row for the number
the best range's reputation: the other numbers of the range, decayed to now_epoch; the
best range is the one pepper.reputation would lean on (most neighbour spam evidence,
scaled by its range weights, so a thousands-block counts three times an exchange)
  range_spam_log, range_not_spam_log, range_complaints_log, range_reports_log
                             as above, for the range's events minus the number's own
  range_missing              no range row
call pattern from the carrier's webhooks (CallerStats)
  pattern_calls_log          log1p(calls)
  pattern_callees_log        log1p(distinct subscribers called)
  pattern_calls_per_hour_log log1p(calls per hour over the active span, at least 1 hour)
  pattern_challenge_pass_share, pattern_challenge_fail_share
                             challenges passed / failed, as shares of all calls
  pattern_missing            no carrier data for the caller
  pattern_short_share        finished calls that completed within seconds
  pattern_answer_share       finished calls that were answered
  pattern_outcomes_missing   no finished call yet (or no pattern): the two shares above
                             have no denominator
STIR/SHAKEN attestation (one-hot)
  att_a, att_b, att_c, att_passed (passed, level unknown: Android), att_failed,
  att_none (not verified or absent)
call time, in UTC
  hour_sin, hour_cos         the time of day on the unit circle (23:59 is next to 00:00)
  weekend                    Saturday or Sunday (UTC)
  time_missing               no call time, or a naive one whose hour is unknowable
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pepper.numbers import NormalizedNumber, NumberType
from pepper.reputation import DEFAULT_PARAMS, Counters, Evidence, bucket, decay_factor
from pepper.screening.types import Attestation

_SECONDS_PER_DAY = 86_400.0
_SECONDS_PER_HOUR = 3_600.0
# No real weight or count gets near this; clamping keeps log1p finite for corrupt rows.
_MAX_VALUE = 1e12


@dataclass(frozen=True, slots=True)
class CallerPattern:
    """Call-pattern aggregates from carrier webhooks: a plain view of a CallerStats row."""

    calls: int
    subscribers: int
    finished: int
    answered: int
    short_calls: int
    challenge_passed: int
    challenge_failed: int
    first_epoch: float
    last_epoch: float


@dataclass(frozen=True, slots=True)
class FeatureInputs:
    """Everything the extractor reads about one call."""

    number: NormalizedNumber
    evidence: Evidence
    pattern: CallerPattern | None  # None: no carrier data for this caller
    attestation: Attestation
    call_time: datetime | None  # aware; None (or naive) is missing
    now_epoch: float
    first_seen_epoch: float | None  # first appearance in our data; None: never seen
    half_life_days: float = 90.0

    def __post_init__(self) -> None:
        # Checked here, not in extract(): otherwise an invalid half-life would only
        # raise for the calls that happen to have evidence to decay.
        if not self.half_life_days > 0:
            raise ValueError("half_life_days must be > 0")


FEATURE_NAMES: tuple[str, ...] = (
    # number facts
    "type_mobile",
    "type_fixed_line",
    "type_fixed_or_mobile",
    "type_toll_free",
    "type_voip",
    "type_premium",
    "type_other",
    "country_nanp",
    "number_valid",
    # age in our data
    "age_log_days",
    "age_missing",
    # the number's own reputation
    "number_spam_log",
    "number_not_spam_log",
    "number_complaints_log",
    "number_reports_log",
    "number_missing",
    # the best range's reputation (neighbours only)
    "range_spam_log",
    "range_not_spam_log",
    "range_complaints_log",
    "range_reports_log",
    "range_missing",
    # carrier call pattern
    "pattern_calls_log",
    "pattern_callees_log",
    "pattern_calls_per_hour_log",
    "pattern_challenge_pass_share",
    "pattern_challenge_fail_share",
    "pattern_missing",
    "pattern_short_share",
    "pattern_answer_share",
    "pattern_outcomes_missing",
    # STIR/SHAKEN
    "att_a",
    "att_b",
    "att_c",
    "att_passed",
    "att_failed",
    "att_none",
    # call time
    "hour_sin",
    "hour_cos",
    "weekend",
    "time_missing",
)


def _one_hot(size: int, index: int) -> tuple[float, ...]:
    return tuple(1.0 if i == index else 0.0 for i in range(size))


_TYPE_INDEX = {
    NumberType.MOBILE: 0,
    NumberType.FIXED_LINE: 1,
    NumberType.FIXED_LINE_OR_MOBILE: 2,
    NumberType.TOLL_FREE: 3,
    NumberType.VOIP: 4,
    NumberType.PREMIUM_RATE: 5,
}
_TYPE_OTHER = _one_hot(7, 6)
_TYPE_ONE_HOT = {t: _one_hot(7, i) for t, i in _TYPE_INDEX.items()}

_ATTESTATION_ONE_HOT = {
    Attestation.A: _one_hot(6, 0),
    Attestation.B: _one_hot(6, 1),
    Attestation.C: _one_hot(6, 2),
    Attestation.PASSED: _one_hot(6, 3),
    Attestation.FAILED: _one_hot(6, 4),
    Attestation.NOT_VERIFIED: _one_hot(6, 5),
    Attestation.ABSENT: _one_hot(6, 5),
}
_ATTESTATION_NONE = _ATTESTATION_ONE_HOT[Attestation.ABSENT]

_AGE_MISSING = (0.0, 1.0)
_REPUTATION_MISSING = (0.0, 0.0, 0.0, 0.0, 1.0)
# Pattern values, pattern_missing, the two outcome shares, pattern_outcomes_missing.
_PATTERN_MISSING = (0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0)
_TIME_MISSING = (0.0, 0.0, 0.0, 1.0)

# Which range is "best": the one whose neighbours weigh most on the spam side, each range
# scaled as the reputation model scales it (a thousands-block with k complaints is as
# telling as an exchange with 3k), so that the features describe the range reputation
# would lean on. Complaints count half a report there too.
_RANGE_WEIGHTS = DEFAULT_PARAMS.range_weights or (1.0,)
_COMPLAINT_WEIGHT = DEFAULT_PARAMS.complaint_weight
_WORST_RANGE_WEIGHT = _RANGE_WEIGHTS[-1]


def extract(inputs: FeatureInputs) -> list[float]:
    """The feature vector of one call, in FEATURE_NAMES order; never raises on odd data."""
    n = inputs.number
    now = inputs.now_epoch
    # Withheld callers and short codes are not lines: nothing looked up about them counts.
    identified = not (n.withheld or n.short_code) and n.e164 is not None
    own = inputs.evidence.number if identified else None
    ranges = inputs.evidence.ranges if identified else ()
    pattern = inputs.pattern if identified else None

    own_values = _own(own, now, inputs.half_life_days)
    return [
        *_TYPE_ONE_HOT.get(n.number_type, _TYPE_OTHER),
        1.0 if identified and n.country_code == 1 else 0.0,
        1.0 if identified and n.is_valid else 0.0,
        *_age(inputs.first_seen_epoch if identified else None, now),
        *(_REPUTATION_MISSING if own_values is None else (*_logs(own_values), 0.0)),
        *_best_range(ranges, own_values, now, inputs.half_life_days),
        *_pattern(pattern),
        *_ATTESTATION_ONE_HOT.get(inputs.attestation, _ATTESTATION_NONE),
        *_time(inputs.call_time),
    ]


def extract_without_call(
    number: NormalizedNumber,
    evidence: Evidence,
    now_epoch: float,
    first_seen_epoch: float | None,
    half_life_days: float,
) -> list[float]:
    """The features of a number with no call in hand (a training row from history or
    from a label): no carrier pattern, attestation absent, call time missing."""
    return extract(
        FeatureInputs(
            number=number,
            evidence=evidence,
            pattern=None,
            attestation=Attestation.ABSENT,
            call_time=None,
            now_epoch=now_epoch,
            first_seen_epoch=first_seen_epoch,
            half_life_days=half_life_days,
        )
    )


def _age(first_seen: float | None, now: float) -> tuple[float, float]:
    if first_seen is None or not math.isfinite(first_seen) or not math.isfinite(now):
        return _AGE_MISSING
    # Clock skew can put the first sighting after now: that is a brand-new number.
    days = (now - first_seen) / _SECONDS_PER_DAY
    return (math.log1p(_clean(days)), 0.0)


def _clean(x: float) -> float:
    """x as a non-negative finite value: NaN and negatives are 0, huge values are capped."""
    if x > 0:
        return x if x < _MAX_VALUE else _MAX_VALUE
    return 0.0


def _number(x: float) -> float:
    """An integer counter as a float in [0, _MAX_VALUE]: float() of a huge int would raise."""
    if x > 0:
        return float(x) if x < _MAX_VALUE else _MAX_VALUE
    return 0.0


def _share(part: float, whole: float) -> float:
    share = part / whole
    if share > 0:
        return share if share < 1.0 else 1.0
    return 0.0


# (spam weight, not-spam weight, complaint weight, count of events), all decayed to now.
_Values = tuple[float, float, float, float]


def _values(row: Counters, now: float, half_life_days: float) -> _Values:
    # decay_factor is what pepper.reputation.decayed() applies; calling it directly
    # saves the ~3.7 µs per row that building a new Counters costs (3 rows: half the
    # budget), with the same result, including no growth under clock skew.
    f = decay_factor(row.ref_epoch, now, half_life_days)
    return (
        _clean(row.spam_w * f),
        _clean(row.ham_w * f),
        _clean(row.complaint_w * f),
        _number(row.spam_n + row.ham_n + row.complaint_n),
    )


def _own(row: Counters | None, now: float, half_life_days: float) -> _Values | None:
    return None if row is None else _values(row, now, half_life_days)


def _logs(v: _Values) -> tuple[float, float, float, float]:
    return (math.log1p(v[0]), math.log1p(v[1]), math.log1p(v[2]), math.log1p(v[3]))


def _best_range(
    ranges: tuple[tuple[str, Counters], ...],
    own: _Values | None,
    now: float,
    half_life_days: float,
) -> tuple[float, ...]:
    """The neighbours' evidence in the range that weighs most on the spam side."""
    if not ranges:
        return _REPUTATION_MISSING
    s0, h0, c0, n0 = own if own is not None else (0.0, 0.0, 0.0, 0.0)
    best_row, best_factor, best_weight = ranges[0][1], 1.0, -1.0
    last = len(_RANGE_WEIGHTS) - 1
    for i, (_, row) in enumerate(ranges):
        f = decay_factor(row.ref_epoch, now, half_life_days)
        # Range rows include the number's own events: only the neighbours' count here,
        # so that the range features say something the number features do not.
        spam = _clean(row.spam_w * f - s0)
        complaints = _clean(row.complaint_w * f - c0)
        w = _RANGE_WEIGHTS[i] if i <= last else _WORST_RANGE_WEIGHT
        weight = w * (spam + _COMPLAINT_WEIGHT * complaints)
        if weight > best_weight:
            best_row, best_factor, best_weight = row, f, weight
    row, f = best_row, best_factor
    count = _number(row.spam_n + row.ham_n + row.complaint_n) - n0
    return (
        math.log1p(_clean(row.spam_w * f - s0)),
        math.log1p(_clean(row.ham_w * f - h0)),
        math.log1p(_clean(row.complaint_w * f - c0)),
        math.log1p(_clean(count)),
        0.0,
    )


def _pattern(p: CallerPattern | None) -> tuple[float, ...]:
    calls = 0.0 if p is None else _number(p.calls)
    if p is None or not calls > 0:
        return _PATTERN_MISSING
    span = p.last_epoch - p.first_epoch
    # At least an hour: one call, or a burst within seconds, is not an infinite rate.
    hours = span / _SECONDS_PER_HOUR if span > _SECONDS_PER_HOUR else 1.0
    finished = _number(p.finished)
    # Challenges offered are not counted (a caller that hangs up on the prompt neither
    # passes nor fails), so both are shares of all calls: a robocaller that hangs up has
    # both near 0, a legitimate caller that was challenged passes.
    passed = _share(_number(p.challenge_passed), calls)
    failed = _share(_number(p.challenge_failed), calls)
    rate = math.log1p(calls / hours)
    callees = math.log1p(_number(p.subscribers))
    if not finished > 0:
        return (math.log1p(calls), callees, rate, passed, failed, 0.0, 0.0, 0.0, 1.0)
    short = _share(_number(p.short_calls), finished)
    answered = _share(_number(p.answered), finished)
    return (math.log1p(calls), callees, rate, passed, failed, 0.0, short, answered, 0.0)


def _time(t: datetime | None) -> tuple[float, float, float, float]:
    # A naive datetime's hour depends on the host's time zone: unknowable, so missing.
    if t is None or t.utcoffset() is None:
        return _TIME_MISSING
    ts = t.timestamp()
    angle = 2.0 * math.pi * (ts % _SECONDS_PER_DAY) / _SECONDS_PER_DAY
    # 1970-01-01 was a Thursday (weekday 3, Monday being 0).
    weekday = (math.floor(ts / _SECONDS_PER_DAY) + 3) % 7
    return (math.sin(angle), math.cos(angle), 1.0 if weekday >= 5 else 0.0, 0.0)


# --- describe(): what a feature that moved a score means, in words -----------------------


def _count(value: float) -> str:
    """A log1p feature back as a bucketed count ("5-19"), never exact (see explain.py)."""
    return bucket(round(math.expm1(min(_clean(value), 30.0))))


def _counted(text: str, none: str) -> Callable[[float], str]:
    def say(value: float) -> str:
        n = _count(value)
        return none if n == "0" else text.format(n=n)

    return say


def _flag(yes: str, no: str) -> Callable[[float], str]:
    return lambda value: yes if value >= 0.5 else no


def _percent(text: str) -> Callable[[float], str]:
    # Rounded to tens: an exact share could be matched against one caller's counters.
    return lambda value: text.format(p=round(min(_clean(value), 1.0) * 10) * 10)


def _age_text(value: float) -> str:
    days = math.expm1(min(_clean(value), 30.0))
    if days < 1:
        return "first seen in the last day"
    if days < 7:
        return "first seen this week"
    if days < 31:
        return "first seen this month"
    return "known for months" if days < 365 else "known for over a year"


def _rate_text(value: float) -> str:
    rate = math.expm1(min(_clean(value), 30.0))
    if rate < 1:
        return "fewer than one call an hour"
    return f"about {bucket(round(rate))} calls an hour"


_DESCRIBE: dict[str, Callable[[float], str]] = {
    "type_mobile": _flag("a mobile number", "not a mobile number"),
    "type_fixed_line": _flag("a landline number", "not a landline number"),
    "type_fixed_or_mobile": _flag("a landline or mobile number", "not an ordinary phone line"),
    "type_toll_free": _flag("a toll-free number", "not a toll-free number"),
    "type_voip": _flag("an internet (VoIP) number", "not an internet (VoIP) number"),
    "type_premium": _flag("a premium-rate number", "not a premium-rate number"),
    "type_other": _flag("an unusual kind of number", "an ordinary kind of number"),
    "country_nanp": _flag("a North American number", "a number from outside North America"),
    "number_valid": _flag("a valid number", "a number that is not in use anywhere"),
    "age_log_days": _age_text,
    "age_missing": _flag("never seen before", "seen before"),
    "number_spam_log": _counted(
        "{n} recent spam reports about this number", "no recent spam reports about this number"
    ),
    "number_not_spam_log": _counted(
        "{n} people recently said this number is not spam",
        "nobody recently said this number is not spam",
    ),
    "number_complaints_log": _counted(
        "{n} recent complaints about this number", "no recent complaints about this number"
    ),
    "number_reports_log": _counted(
        "{n} reports and complaints about this number so far",
        "no reports or complaints about this number so far",
    ),
    "number_missing": _flag("no reports or complaints about this number", "reported before"),
    "range_spam_log": _counted(
        "{n} recent spam reports about numbers in this range",
        "no recent spam reports about numbers in this range",
    ),
    "range_not_spam_log": _counted(
        "{n} recent 'not spam' reports about numbers in this range",
        "no recent 'not spam' reports about numbers in this range",
    ),
    "range_complaints_log": _counted(
        "{n} recent complaints about numbers in this range",
        "no recent complaints about numbers in this range",
    ),
    "range_reports_log": _counted(
        "{n} reports and complaints about numbers in this range so far",
        "no reports or complaints about numbers in this range so far",
    ),
    "range_missing": _flag(
        "no reports about numbers near this one", "numbers near this one were reported"
    ),
    "pattern_calls_log": _counted("{n} calls from this caller seen", "no calls seen yet"),
    "pattern_callees_log": _counted("calls to {n} different people", "nobody called yet"),
    "pattern_calls_per_hour_log": _rate_text,
    "pattern_challenge_pass_share": _percent("{p}% of calls passed the press-a-key check"),
    "pattern_challenge_fail_share": _percent("{p}% of calls failed the press-a-key check"),
    "pattern_missing": _flag("no calls from this caller seen yet", "calls from this caller seen"),
    "pattern_short_share": _percent("{p}% of calls were hung up within seconds"),
    "pattern_answer_share": _percent("{p}% of calls were answered"),
    "pattern_outcomes_missing": _flag("no finished calls to judge by yet", "finished calls seen"),
    "att_a": _flag("the carrier fully verified the caller ID", "caller ID not fully verified"),
    "att_b": _flag(
        "the carrier knows the caller but not that they own the number",
        "not a partially verified caller ID",
    ),
    "att_c": _flag(
        "the call came through a gateway that could not verify the caller ID",
        "not from an unverified gateway",
    ),
    "att_passed": _flag("caller ID verification passed", "no passed caller ID verification"),
    "att_failed": _flag("caller ID verification failed", "caller ID verification did not fail"),
    "att_none": _flag("the caller ID was not verified", "the caller ID was checked"),
    "hour_sin": lambda _: "the time of day of the call",
    "hour_cos": lambda _: "the time of day of the call",
    "weekend": _flag("a call at the weekend", "a call on a weekday"),
    "time_missing": _flag("the time of the call is unknown", "the time of the call is known"),
}

if set(_DESCRIBE) != set(FEATURE_NAMES):  # pragma: no cover - caught by any import
    raise RuntimeError("every feature needs a description")


def describe(name: str, value: float) -> str:
    """A short text a user understands for a feature that moved a score.

    Counts come out bucketed and shares rounded to tens, and nothing about the caller's
    number other than these is ever included: the text can be shown to anyone.
    """
    try:
        say = _DESCRIBE[name]
    except KeyError:
        raise ValueError(f"unknown feature {name!r}") from None
    return say(value if math.isfinite(value) else 0.0)
