"""A call-traffic SIMULATION, for development, training and benchmarks; never real data.

Real legitimate call traffic is not available offline, so the spam model is trained and
benchmarked on calls this module makes up. It reads no file and no database: everything
comes from one seeded `random.Random`, so `simulate(n, seed=s, start_epoch=t)` yields the
same calls on every machine. The real FTC complaints stay in `pepper.model.ftc_split`.

The simulated world runs forward in time. Campaigns and legitimate callers call the
subscribers; each call is yielded with what our database would know *before* it (number
and range reputation, the carrier's call pattern, the first sighting), and only then do
its consequences land: the carrier's counters for the caller, spam reports, "not spam"
reports and complaints, added to the number's row and to each of its range rows (as
storage does). So every feature of a call is consistent with the scenario that made it,
and nothing leaks from a call's own outcome into its features.

The assumptions, each with its source, are listed in ASSUMPTIONS. In short: 30 % of calls
are spam; campaigns rotate numbers inside a few NANP exchanges and spoof the callee's own
exchange; they call many people, briefly, and are rarely answered; they carry C or failed
attestation far more often; legitimate callers call few people, are answered and are
mostly A-attested; a few legitimate numbers are spoofing victims, cleared by "not spam"
reports. Time of day carries no signal here, on purpose (we have no source for one).
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

from pepper.model.features import CallerPattern, FeatureInputs
from pepper.numbers import NormalizedNumber, normalize, range_keys
from pepper.reputation import DEFAULT_PARAMS, Counters, Evidence, contribution, report_weight
from pepper.screening.types import Attestation

SPAM_SHARE = 0.30
CARRIER_SHARE = 0.5  # subscribers screened by the carrier webhooks; the rest use the app

ASSUMPTIONS = """\
Assumptions of the Pepper call-traffic SIMULATION (pepper.model.simulate), with sources:
1. Spam share: 30% of calls are robocalls/spam. Source: the issue that asked for this
   simulation; our assumption, not a measurement.
2. Campaigns rotate many numbers inside 1-3 NANP exchanges (NPA-NXX) and use each for a
   few calls; about half of their calls spoof a number in the callee's own exchange
   ("neighbour spoofing"), the rest come from the home exchanges, which already had 3 or
   more complaints before the simulation starts. Source: FTC Do-Not-Call complaint data
   (shared/data/ftc-dnc/README.md): only ~5% of a week's complaints are about a number
   complained about before, while ~half fall in exchanges with >= 3 earlier complaints.
   Campaigns reuse an earlier number for 5% of rotations to match the first figure.
3. Some campaigns use toll-free numbers (5%) or foreign mobile numbers in "one ring"
   style (3%, +222 / +232). Source: our assumption, after the FCC's consumer warnings
   about "one ring" scam calls from abroad; the shares are not measured.
4. Robocalls reach many distinct people, are answered 22% of the time and 80% of the
   answered ones are hung up within seconds; in the press-a-key challenge 2% pass and
   25% fail (the rest hang up). Legitimate people call 1-3 people they know, are
   answered 70% of the time, 8% of answered calls are very short, 90% pass a challenge;
   legitimate businesses (pharmacies, schools, deliveries: 25% of legitimate calls) call
   many people, are answered 50% of the time, 20% very short, 70% pass. Source: the
   issue's description of the patterns; the rates are our assumptions.
5. STIR/SHAKEN: spam calls are A 10%, B 17%, C 52%, failed 15%, unsigned 6% (absent 4%,
   not verified 2%); legitimate callers are A 78%, B 6%, C 2%, failed 0.5%, unsigned
   13.5% (each legitimate caller keeps its carrier's level). Source: shared PRODUCTION.md,
   C-attested calls were reported 5.8x more likely to be robocalls than unsigned ones;
   these rates give 5.7x (P(spam | C) = 0.92 against P(spam | unsigned) = 0.16). Calls
   to app users carry what Android reports: passed (A, B, C), failed, not verified.
6. Reports and complaints: a spam call brings a spam report from its callee 4% of the
   time and an FTC complaint (from the wider public) 5% of the time; a legitimate call a
   mistaken spam report 0.3% and a complaint 0.1% of the time. Report weights follow
   pepper.reputation.report_weight (new devices count less). Source: our assumptions.
7. Spoofing victims: 3% of legitimate numbers known before the start carry earlier spam
   reports and complaints, and "not spam" reports that clear them; later calls from a
   legitimate number with more spam than "not spam" evidence bring a "not spam" report
   15% of the time. Campaigns spoofing an exchange also hit real numbers by chance.
   Source: the issue (spoofed-innocent cases) and PRODUCTION.md (report-bombing and
   spoofed numbers must be clearable by "not spam" reports).
8. Numbers: legitimate and campaign numbers are valid NANP numbers from 68 US and
   Canadian area codes; 2% of legitimate people have UK mobile numbers; 25% of
   businesses call from toll-free numbers; 10% of legitimate calls come from a number
   never seen before or after (a courier, a clinic). 60% of legitimate people and 90%
   of businesses were known before the start, 70% of those with earlier calls to our
   carrier subscribers. Source: our assumptions.
9. Half the subscribers are screened by the carrier webhooks (their calls update the
   caller's call pattern, 30% of them use the press-a-key challenge), half by the phone
   app. 97% of carrier calls report a final status. Source: our assumptions.
10. Calls follow a US-daytime curve (in UTC) with 40% fewer calls at weekends, the same
   for spam and legitimate calls: time of day and weekday carry no signal here, because
   we have no source for a difference. Withheld callers are not simulated (the policy
   decides them without the model). Reputation decays with a 90-day half-life.
"""

_DAY = 86_400.0
_HOUR = 3_600.0
_HALF_LIFE_DAYS = DEFAULT_PARAMS.half_life_days
_HALF_LIFE_S = _HALF_LIFE_DAYS * _DAY

# Real US and Canadian area codes, so that libphonenumber sees valid, ordinary numbers.
_AREA_CODES = (
    "201", "202", "203", "205", "206", "207", "208", "210", "212", "213", "214", "215", "216",
    "217", "218", "219", "224", "225", "228", "229", "231", "234", "239", "240", "248", "251",
    "252", "253", "254", "256", "260", "262", "267", "269", "270", "276", "281", "301", "302",
    "303", "304", "305", "307", "308", "309", "310", "312", "313", "314", "315", "316", "317",
    "318", "319", "320", "321", "404", "415", "416", "512", "514", "604", "617", "702", "713",
    "718", "808", "917",
)  # fmt: skip
_TOLL_FREE_CODES = ("800", "833", "844", "855", "866", "877", "888")
_UK_MOBILE = ("+447400", "+447500", "+447800", "+447900")  # + 6 digits
_ONE_RING = ("+2222", "+2223", "+2224", "+23230", "+23276", "+23277")

_A, _B, _C = Attestation.A, Attestation.B, Attestation.C
_FAILED, _ABSENT, _NOT_VERIFIED = Attestation.FAILED, Attestation.ABSENT, Attestation.NOT_VERIFIED
_SPAM_ATTESTATION = ((_A, 0.10), (_B, 0.17), (_C, 0.52), (_FAILED, 0.15), (_ABSENT, 0.04))
_LEGIT_ATTESTATION = ((_A, 0.78), (_B, 0.06), (_C, 0.02), (_FAILED, 0.005), (_ABSENT, 0.10))
# What Android's CallScreeningService reports for a call to an app user.
_ON_ANDROID = {
    _A: Attestation.PASSED,
    _B: Attestation.PASSED,
    _C: Attestation.PASSED,
    _FAILED: _FAILED,
    _ABSENT: _NOT_VERIFIED,
    _NOT_VERIFIED: _NOT_VERIFIED,
}


@dataclass(frozen=True, slots=True)
class _Behaviour:
    """How callees and the carrier see a kind of caller (assumption 4)."""

    answer: float
    short_if_answered: float
    challenge_pass: float
    challenge_fail: float
    spam_report: float
    complaint: float


_SPAM = _Behaviour(0.22, 0.80, 0.02, 0.25, 0.04, 0.05)
_PERSON = _Behaviour(0.70, 0.08, 0.90, 0.03, 0.003, 0.001)
_BUSINESS = _Behaviour(0.50, 0.20, 0.70, 0.05, 0.003, 0.001)
_FINISHED = 0.97
_CLEARING_REPORT = 0.15
_REUSE = 0.05
_ONE_OFF = 0.10
_BUSINESS_CALLS = 0.25

# Calls per UTC hour, relative: US daytime is about 13:00 to 03:00 UTC.
_HOURLY = (
    0.70, 0.50, 0.35, 0.20, 0.10, 0.08, 0.08, 0.08, 0.10, 0.15, 0.25, 0.45,
    0.70, 0.90, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 0.95, 0.85,
)  # fmt: skip
_WEEKEND = 0.6
_NO_CATEGORIES: Mapping[str, int] = MappingProxyType({})  # passed: skips a default factory
_NO_EVIDENCE = Evidence(number=None, ranges=(), categories=_NO_CATEGORIES)


@dataclass(frozen=True, slots=True)
class SimulatedCall:
    """One simulated call: the extractor's inputs and the truth about it."""

    inputs: FeatureInputs
    label: int  # 1 robocall/spam, 0 legitimate
    campaign: str | None  # the campaign behind a spam call; None for legitimate calls


def simulate(
    n_calls: int, *, seed: int, start_epoch: float, days: float = 30.0
) -> Iterator[SimulatedCall]:
    """`n_calls` SIMULATED calls in time order over `days` from `start_epoch`."""
    # Checked here rather than in the generator, so that bad arguments fail at the call.
    if n_calls < 0:
        raise ValueError("n_calls must be >= 0")
    if not (days > 0 and math.isfinite(days)):
        raise ValueError("days must be a positive number")
    if not math.isfinite(start_epoch):
        raise ValueError("start_epoch must be finite")
    return _World(n_calls, seed, start_epoch, days).run()


class _Row:
    """A reputation row (number or range) as storage keeps it: decayed weights and counts."""

    __slots__ = ("complaint_n", "complaint_w", "ham_n", "ham_w", "ref", "snap", "spam_n", "spam_w")

    def __init__(self, ref: float) -> None:
        self.spam_w = self.ham_w = self.complaint_w = 0.0
        self.spam_n = self.ham_n = self.complaint_n = 0
        self.ref = ref
        self.snap: Counters | None = None  # reused until the row changes: saves allocations

    def add(self, kind: str, weight: float, t: float) -> None:
        if t >= self.ref:  # the usual case: decay the row to now, then add
            f = math.exp2(-(t - self.ref) / _HALF_LIFE_S)
            self.spam_w, self.ham_w, self.complaint_w = (
                self.spam_w * f, self.ham_w * f, self.complaint_w * f
            )  # fmt: skip
            self.ref = t
        else:  # an event older than the row (history seeded out of order)
            weight = contribution(weight, t, self.ref, _HALF_LIFE_DAYS)
        if kind == "spam":
            self.spam_w += weight
            self.spam_n += 1
        elif kind == "ham":
            self.ham_w += weight
            self.ham_n += 1
        else:
            self.complaint_w += weight
            self.complaint_n += 1
        self.snap = None

    def counters(self) -> Counters:
        if self.snap is None:
            self.snap = Counters(
                self.spam_w, self.ham_w, self.complaint_w,
                self.spam_n, self.ham_n, self.complaint_n, self.ref,
            )  # fmt: skip
        return self.snap


class _Pattern:
    """A CallerStats row as the carrier webhooks build it."""

    __slots__ = ("answered", "callees", "calls", "failed", "finished", "first", "last",
                 "passed", "short", "snap")  # fmt: skip

    def __init__(self, first: float) -> None:
        self.calls = self.finished = self.answered = self.short = 0
        self.passed = self.failed = self.callees = 0
        self.first = self.last = first
        self.snap: CallerPattern | None = None

    def view(self) -> CallerPattern:
        if self.snap is None:
            self.snap = CallerPattern(
                self.calls, self.callees, self.finished, self.answered, self.short,
                self.passed, self.failed, self.first, self.last,
            )  # fmt: skip
        return self.snap


class _Caller:
    """A legitimate caller: a person with a few contacts, or a business."""

    __slots__ = ("attestation", "behaviour", "contacts", "e164")

    def __init__(
        self, e164: str, behaviour: _Behaviour, contacts: list[int], attestation: Attestation
    ) -> None:
        self.e164, self.behaviour, self.contacts = e164, behaviour, contacts
        self.attestation = attestation


class _Campaign:
    """A robocall campaign: its home exchanges, how it rotates and spoofs numbers."""

    __slots__ = ("current", "exchanges", "mean_uses", "name", "remaining", "spoof", "used")

    def __init__(self, name: str, exchanges: list[str], spoof: float, mean_uses: float) -> None:
        self.name, self.exchanges, self.spoof, self.mean_uses = name, exchanges, spoof, mean_uses
        self.current = ""
        self.remaining = 0
        self.used: list[str] = []


class _World:
    """The simulated subscribers, callers, campaigns and our database's view of them."""

    def __init__(self, n_calls: int, seed: int, start: float, days: float) -> None:
        self.rng = rng = random.Random(seed)  # noqa: S311 - a reproducible simulation
        # Hot paths draw indices as int(random() * n): several times cheaper than
        # randrange() or choice(), and as deterministic.
        self.random = rng.random
        self.n_calls, self.start, self.days = n_calls, start, days
        self.rows: dict[str, _Row] = {}
        self.patterns: dict[str, _Pattern] = {}
        self.first_seen: dict[str, float] = {}
        self.numbers: dict[str, tuple[NormalizedNumber, tuple[str, ...]]] = {}
        # (caller, subscriber) pairs seen: one set of tuples of atoms, which the garbage
        # collector stops tracking, rather than a set per caller, which it scans forever.
        self.pairs: set[tuple[str, int]] = set()
        # Sizes grow with the run, so that a short run is dense and a long one realistic.
        self.exchanges = [self._exchange() for _ in range(min(max(60, n_calls // 150), 20_000))]
        n_subscribers = max(50, n_calls // 30)
        self.sub_exchange = [rng.choice(self.exchanges) for _ in range(n_subscribers)]
        self.sub_carrier = [rng.random() < CARRIER_SHARE for _ in range(n_subscribers)]
        self.sub_challenge = [c and rng.random() < 0.3 for c in self.sub_carrier]
        self.sub_device_age = [rng.expovariate(1 / 200) for _ in range(n_subscribers)]
        self.people = [self._person() for _ in range(max(100, n_calls // 20))]
        self.businesses = [self._business() for _ in range(max(10, n_calls // 2000))]
        self.campaigns = [self._campaign(i) for i in range(max(4, n_calls // 10_000))]
        self._seed_history()
        self._schedule()

    # --- the population -------------------------------------------------------------

    def _exchange(self) -> str:
        rng = self.rng
        while True:
            nxx = rng.randrange(200, 1000)
            # N11 codes are services, 555 is reserved, 950/958/959/976 are special.
            if nxx % 100 != 11 and nxx not in (555, 950, 958, 959, 976):
                return f"{rng.choice(_AREA_CODES)}{nxx}"

    def _in_exchange(self, exchange: str) -> str:
        return f"+1{exchange}{int(self.random() * 10_000):04d}"

    def _legit_attestation(self) -> Attestation:
        return _pick(self.rng, _LEGIT_ATTESTATION, _NOT_VERIFIED)

    def _person(self) -> _Caller:
        rng = self.rng
        contacts = [rng.randrange(len(self.sub_exchange)) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.02:
            e164 = rng.choice(_UK_MOBILE) + f"{rng.randrange(1_000_000):06d}"
        else:  # half of them live in their first contact's area code (local calls)
            local = self.sub_exchange[contacts[0]][:3] if rng.random() < 0.5 else None
            exchange = rng.choice(self.exchanges)
            e164 = self._in_exchange(local + exchange[3:] if local else exchange)
        caller = _Caller(e164, _PERSON, contacts, self._legit_attestation())
        self._known_before(caller, 0.6, rng.randint(1, 3), 1 / 8)
        return caller

    def _business(self) -> _Caller:
        rng = self.rng
        if rng.random() < 0.25:
            e164 = self._in_exchange(rng.choice(_TOLL_FREE_CODES) + f"{rng.randrange(200, 1000)}")
        else:
            e164 = self._in_exchange(rng.choice(self.exchanges))
        caller = _Caller(e164, _BUSINESS, [], self._legit_attestation())
        self._known_before(caller, 0.9, 10**6, 1 / 150)
        return caller

    def _known_before(self, c: _Caller, share: float, callees: int, rate: float) -> None:
        """Maybe give a legitimate caller a past: first sighting, calls, spoofing reports."""
        rng, start = self.rng, self.start
        if rng.random() >= share:
            return
        first = start - rng.uniform(1, 1000) * _DAY
        self.first_seen[c.e164] = first
        if rng.random() < 0.7:  # it has called carrier subscribers before
            p = self.patterns[c.e164] = _Pattern(first)
            b = c.behaviour
            p.calls = 1 + int(rng.expovariate(rate))
            p.callees = min(p.calls, callees)  # people called before the start
            p.finished = _binomial(rng, p.calls, _FINISHED)
            p.answered = _binomial(rng, p.finished, b.answer)
            p.short = _binomial(rng, p.answered, b.short_if_answered)
            challenged = _binomial(rng, p.calls, CARRIER_SHARE * 0.3)
            p.passed = _binomial(rng, challenged, b.challenge_pass)
            p.failed = _binomial(rng, challenged - p.passed, b.challenge_fail)
            p.last = max(first, start - rng.uniform(0, 30) * _DAY)
        if rng.random() < 0.03:  # a spoofing victim, cleared since (assumption 7)
            reported = start - rng.uniform(10, 120) * _DAY
            for _ in range(rng.randint(1, 5)):
                self._event(c.e164, "spam", 1.0, reported + rng.uniform(0, 5) * _DAY)
            for _ in range(rng.randint(0, 3)):
                self._event(c.e164, "complaint", 1.0, reported + rng.uniform(0, 5) * _DAY)
            for _ in range(rng.randint(3, 6)):
                self._event(c.e164, "ham", 1.0, rng.uniform(reported, start))

    def _campaign(self, i: int) -> _Campaign:
        rng = self.rng
        kind = rng.random()
        if kind < 0.05:  # toll-free (assumption 3): no neighbour to spoof
            homes = [rng.choice(_TOLL_FREE_CODES) + f"{rng.randrange(200, 1000)}"]
            return _Campaign(f"campaign-{i:03d}-tollfree", homes, 0.0, rng.uniform(2, 5))
        if kind < 0.08:  # one ring from abroad (assumption 3)
            return _Campaign(f"campaign-{i:03d}-onering", [], 0.0, rng.uniform(2, 5))
        homes = [rng.choice(self.exchanges) for _ in range(rng.randint(1, 3))]
        return _Campaign(f"campaign-{i:03d}", homes, rng.uniform(0.2, 0.8), rng.uniform(2, 5))

    def _fresh_number(self, c: _Campaign) -> str:
        rng = self.rng
        if not c.exchanges:
            prefix = rng.choice(_ONE_RING)
            digits = 12 - len(prefix)  # +222 and +232 numbers have 8 national digits
            return prefix + f"{rng.randrange(10**digits):0{digits}d}"
        return self._in_exchange(rng.choice(c.exchanges))

    def _seed_history(self) -> None:
        """Complaints before the start: campaigns' home exchanges, and scattered noise."""
        rng, start = self.rng, self.start
        for c in self.campaigns:
            for exchange in c.exchanges:
                ran_for = rng.uniform(7, 60) * _DAY
                for _ in range(3 + int(rng.expovariate(1 / 12))):
                    e164 = self._in_exchange(exchange)
                    c.used.append(e164)
                    self._event(e164, "complaint", 1.0, start - rng.uniform(0, ran_for))
        for exchange in self.exchanges:
            if rng.random() < 0.3:
                when = start - rng.uniform(0, 90) * _DAY
                self._event(self._in_exchange(exchange), "complaint", 1.0, when)

    def _schedule(self) -> None:
        """Calls per hour over the run, and which campaigns are active on each day."""
        rng, start, days = self.rng, self.start, self.days
        hours = math.ceil(days * 24)
        self.hour_cum: list[float] = []
        total = 0.0
        for j in range(hours):
            t = start + j * _HOUR
            length = min(1.0, days * 24 - j)  # the last hour may be cut short
            weekday = (math.floor(t / _DAY) + 3) % 7  # 1970-01-01 was a Thursday
            total += _HOURLY[int(t // _HOUR) % 24] * (_WEEKEND if weekday >= 5 else 1.0) * length
            self.hour_cum.append(total)
        n_days = math.ceil(days)
        windows: list[tuple[float, float, float]] = []  # (first day, last day, intensity)
        for i in range(len(self.campaigns)):
            if i == 0 or rng.random() < 0.25:  # always on; the first keeps every day covered
                windows.append((0.0, float(n_days), rng.expovariate(1.0) + 0.1))
            else:
                begin = rng.uniform(-10, days)
                windows.append((begin, begin + rng.uniform(3, 21), rng.expovariate(1.0) + 0.1))
        self.active: list[tuple[list[_Campaign], list[float]]] = []
        for d in range(n_days):
            active = [
                (c, w)
                for c, (lo, hi, w) in zip(self.campaigns, windows, strict=True)
                if lo <= d + 1 and hi >= d
            ]
            cum: list[float] = []
            running = 0.0
            for _, w in active:
                running += w
                cum.append(running)
            self.active.append(([c for c, _ in active], cum))

    # --- the run ---------------------------------------------------------------------

    def run(self) -> Iterator[SimulatedCall]:
        random, cum, n, start = self.random, self.hour_cum, self.n_calls, self.start
        j, below = 0, 0.0
        for i in range(n):
            # Call i comes at the inverse of the hourly curve at (i + 0.5) / n: in order.
            u = (i + 0.5) / n * cum[-1]
            while cum[j] < u:
                below = cum[j]
                j += 1
            t = start + (j + (u - below) / (cum[j] - below)) * _HOUR
            yield self._spam_call(t) if random() < SPAM_SHARE else self._legit_call(t)

    def _spam_call(self, t: float) -> SimulatedCall:
        rng = self.rng
        callee = int(self.random() * len(self.sub_exchange))
        day = min(int((t - self.start) // _DAY), len(self.active) - 1)
        campaigns, cum = self.active[day]
        c = campaigns[bisect.bisect_left(cum, rng.random() * cum[-1])]
        if c.spoof and rng.random() < c.spoof:  # a neighbour of the callee, used once
            e164 = self._in_exchange(self.sub_exchange[callee])
        else:
            if c.remaining <= 0:
                if c.used and rng.random() < _REUSE:
                    c.current = rng.choice(c.used)
                else:
                    c.current = self._fresh_number(c)
                    c.used.append(c.current)
                c.remaining = 1 + int(rng.expovariate(1 / (c.mean_uses - 1)))
            c.remaining -= 1
            e164 = c.current
        attestation = _pick(rng, _SPAM_ATTESTATION, _NOT_VERIFIED)
        return self._call(t, e164, callee, attestation, _SPAM, 1, c.name)

    def _legit_call(self, t: float) -> SimulatedCall:
        random = self.random
        r = random()
        if r < _ONE_OFF:  # a number never seen before or after
            callee = int(random() * len(self.sub_exchange))
            e164 = self._in_exchange(self.exchanges[int(random() * len(self.exchanges))])
            attestation, behaviour = self._legit_attestation(), _PERSON
        else:
            if r < _ONE_OFF + _BUSINESS_CALLS:
                caller = self.businesses[int(random() * len(self.businesses))]
                callee = int(random() * len(self.sub_exchange))
            else:
                caller = self.people[int(random() * len(self.people))]
                callee = caller.contacts[int(random() * len(caller.contacts))]
            e164, attestation, behaviour = caller.e164, caller.attestation, caller.behaviour
        return self._call(t, e164, callee, attestation, behaviour, 0, None)

    def _call(
        self,
        t: float,
        e164: str,
        callee: int,
        attestation: Attestation,
        b: _Behaviour,
        label: int,
        campaign: str | None,
    ) -> SimulatedCall:
        """The call as our database sees it before it; then its consequences."""
        random, rows = self.random, self.rows
        cached = self.numbers.get(e164)
        number, keys = cached if cached is not None else self._number(e164)
        carrier = self.sub_carrier[callee]
        own = rows.get(e164)
        found = [(k, row.counters()) for k in keys if (row := rows.get(k)) is not None]
        ranges = tuple(found) if found else ()
        pattern = self.patterns.get(e164)
        inputs = FeatureInputs(
            number=number,
            evidence=(
                Evidence(own.counters() if own else None, ranges, _NO_CATEGORIES) if own or ranges
                else _NO_EVIDENCE
            ),
            pattern=pattern.view() if pattern else None,
            attestation=attestation if carrier else _ON_ANDROID[attestation],
            call_time=datetime.fromtimestamp(t, UTC),
            now_epoch=t,
            first_seen_epoch=self.first_seen.get(e164),
            half_life_days=_HALF_LIFE_DAYS,
        )  # fmt: skip
        call = SimulatedCall(inputs, label, campaign)
        # The consequences, visible to later calls only.
        self.first_seen.setdefault(e164, t)
        if carrier:
            self._count(pattern, e164, callee, b, t)
        if random() < b.spam_report:
            age = self.sub_device_age[callee] + (t - self.start) / _DAY
            self._event(e164, "spam", report_weight(device_age_days=age, reports_last_24h=0), t)
        if random() < b.complaint:
            self._event(e164, "complaint", 1.0, t)
        # Someone who knows a legitimate caller with a bad name clears it (assumption 7).
        spoofed = own is not None and own.spam_n + own.complaint_n > own.ham_n
        if not label and spoofed and random() < _CLEARING_REPORT:
            self._event(e164, "ham", 1.0, t)
        return call

    def _count(self, p: _Pattern | None, e164: str, callee: int, b: _Behaviour, t: float) -> None:
        random = self.random
        if p is None:
            p = self.patterns[e164] = _Pattern(t)
        p.calls += 1
        pair = (e164, callee)
        if pair not in self.pairs:
            self.pairs.add(pair)
            p.callees += 1
        p.last = t
        if random() < _FINISHED:
            p.finished += 1
            if random() < b.answer:
                p.answered += 1
                if random() < b.short_if_answered:
                    p.short += 1
        if self.sub_challenge[callee]:
            r = random()
            if r < b.challenge_pass:
                p.passed += 1
            elif r < b.challenge_pass + b.challenge_fail:
                p.failed += 1
        p.snap = None

    def _number(self, e164: str) -> tuple[NormalizedNumber, tuple[str, ...]]:
        cached = self.numbers.get(e164)
        if cached is None:
            number = normalize(e164)
            cached = self.numbers[e164] = (number, range_keys(number))
        return cached

    def _event(self, e164: str, kind: str, weight: float, t: float) -> None:
        """A report or complaint: added to the number's row and to each of its ranges'."""
        self.first_seen[e164] = min(self.first_seen.get(e164, t), t)
        for key in (e164, *self._number(e164)[1]):
            row = self.rows.get(key)
            if row is None:
                row = self.rows[key] = _Row(t)
            row.add(kind, weight, t)


def _pick(
    rng: random.Random, table: tuple[tuple[Attestation, float], ...], rest: Attestation
) -> Attestation:
    """A value from a table of (value, probability); `rest` takes what the table leaves."""
    r = rng.random()
    for value, p in table:
        if r < p:
            return value
        r -= p
    return rest


def _binomial(rng: random.Random, n: int, p: float) -> int:
    """A Binomial(n, p) draw: exact for small n, the normal approximation beyond."""
    if n <= 30:
        return sum(rng.random() < p for _ in range(n))
    x = round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))
    return min(max(x, 0), n)
