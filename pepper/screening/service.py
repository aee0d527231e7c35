"""The per-call decision service: look up signals within a deadline, then decide.

Fail open, on time: whatever goes wrong while looking things up — a slow or dead
database, an open breaker, a scorer that raises — the answer is *allow* with reason
``degraded``, within the deadline, counted and logged. A call must never be blocked or
dropped because Pepper is sick. Only a token the database positively does not know is
refused (401): that answer came from a healthy database.
"""

from __future__ import annotations

import contextvars
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from pepper.db.retry import once_more_if_dropped
from pepper.errors import PepperError, Unauthorized
from pepper.metrics import CACHE_MISSES, DECISIONS, FAIL_OPEN
from pepper.numbers import InvalidNumber, NormalizedNumber, normalize
from pepper.runtime import SCREEN_THREADS, Runtime
from pepper.scoring import Scorer
from pepper.screening.breaker import Breaker
from pepper.screening.cache import DecisionCache, DeviceView, NumberView
from pepper.screening.lookup import Who, by_token, read_device, read_number, usable
from pepper.screening.policy import android_flags, decide
from pepper.screening.receipts import Receipts
from pepper.screening.stir import parse_attestation
from pepper.screening.types import (
    Action,
    CallFacts,
    Decision,
    DeviceFacts,
    Policy,
    Reason,
    Sensitivity,
    Signals,
    Thresholds,
)
from pepper.settings import Settings
from pepper.tally import tally

log = logging.getLogger(__name__)


def policy_from(settings: Settings) -> Policy:
    return Policy(
        thresholds={
            Sensitivity.LOW: Thresholds(*settings.threshold_low),
            Sensitivity.NORMAL: Thresholds(*settings.threshold_normal),
            Sensitivity.HIGH: Thresholds(*settings.threshold_high),
        }
    )


@dataclass(frozen=True, slots=True)
class CallRequest:
    """What the phone says about a ringing call, before normalization."""

    number: str
    verstat: str | None = None
    in_contacts: bool = False
    call_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    decision: Decision
    decision_id: str
    degraded: bool
    cache_ttl_s: int
    call: CallFacts | None = None
    signals: Signals | None = None


Gathered = tuple[DeviceFacts, CallFacts, Signals]


def degraded_decision(cause: str) -> Decision:
    return Decision(
        action=Action.ALLOW,
        score=0.0,
        reasons=(Reason("degraded", f"screening unavailable ({cause}); the call rings"),),
        android=android_flags(Action.ALLOW),
        rung="degraded",
    )


class Screener:
    """One per process: the decision cache, a small thread pool that enforces the
    deadline on reads, and a breaker."""

    def __init__(self, runtime: Runtime, scorer: Scorer) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.scorer = scorer
        self.policy = policy_from(settings)
        self.region = settings.default_region
        self.deadline_s = settings.screen_deadline_ms / 1000
        self.cache_ttl_s = settings.decision_cache_ttl_s
        self.breaker = Breaker(settings.breaker_failures, settings.breaker_reset_s)
        self.receipts = Receipts(settings.secret_key.get_secret_value().encode())
        self.feed = runtime.changes
        self.cache = DecisionCache(
            fresh=lambda: self.feed.fresh,
            device_size=settings.device_cache_size,
            device_ttl_s=settings.device_cache_ttl_s,
            number_size=settings.number_cache_size,
            number_ttl_s=settings.number_cache_ttl_s,
        )
        self.feed.listen(self.cache.forget)
        self._pool = ThreadPoolExecutor(SCREEN_THREADS, thread_name_prefix="pepper-screen")

    def screen(self, token: str, request: CallRequest) -> Outcome:
        """Decide for a phone app, identified by its token."""
        return self.decide_call(by_token(token, Unauthorized), request, route="screen")

    def decide_call(self, who: Who, request: CallRequest, *, route: str) -> Outcome:
        """Decide on a call for ``who`` (found in the same statement as the signals).

        The one decision path of the phone-app API and the carrier webhooks.
        """
        started = time.monotonic()
        self.feed.ensure_running()
        if self.runtime.standby is not None:
            self.runtime.standby.ensure_replaying()
        try:
            # Everything in this process's memory: no I/O, nothing to wait for, and no
            # breaker to ask (a sick database does not concern this call).
            gathered = self._from_cache(who, request)
        except InvalidNumber:
            raise
        except Exception:  # a failing scorer or a bug: still no dropped call
            log.exception("decision from cache failed")
            return self._degraded("lookup_error", route)
        if gathered is None:
            if not self.breaker.allow():
                return self._degraded("breaker_open", route)
            gathered_or_outcome = self._read(who, request, route)
            if isinstance(gathered_or_outcome, Outcome):
                return gathered_or_outcome
            gathered = gathered_or_outcome
        device, call, signals = gathered
        try:
            decision = decide(call, device, signals, self.policy)
        except Exception:  # a bug in the policy must not drop a call
            log.exception("decision policy failed")
            return self._degraded("policy_error", route)
        tally.inc(DECISIONS, decision.action.value, decision.rung)
        if time.monotonic() - started > self.deadline_s:
            log.warning("decision answered after its deadline")
        receipt = self._receipt(decision, call.number.e164)
        return Outcome(decision, receipt, False, self.cache_ttl_s, call, signals)

    def _read(self, who: Who, request: CallRequest, route: str) -> Gathered | Outcome:
        """The reads the cache could not answer, within the deadline (or degraded)."""
        # In this request's context: its log lines keep their request id, and whatever
        # reaches Sentry from the lookup carries the request's scope.
        context = contextvars.copy_context()
        future = self._pool.submit(context.run, self._lookup, who, request)
        try:
            gathered = future.result(timeout=self.deadline_s)
        except (PepperError, InvalidNumber):
            # The database answered: these are the client's errors, not ours.
            self.breaker.success()
            raise
        except FutureTimeout:
            self.breaker.failure()
            return self._degraded("deadline", route)
        except (SQLAlchemyError, OSError) as exc:
            self.breaker.failure()
            return self._degraded(type(exc).__name__, route)
        except Exception:  # a failing scorer or a bug in a lookup: still no dropped call
            log.exception("decision lookups failed")
            return self._degraded("lookup_error", route)
        self.breaker.success()
        return gathered

    def _receipt(self, decision: Decision, e164: str | None) -> str:
        """The decision id: a signed receipt of the decision (see receipts.py)."""
        return self.receipts.issue(
            action=decision.action.value, rung=decision.rung, score=decision.score,
            model_version=decision.model_version, e164=e164, at=time.time(),
        )  # fmt: skip

    def _degraded(self, cause: str, route: str) -> Outcome:
        tally.inc(FAIL_OPEN, route, cause)
        tally.inc(DECISIONS, "allow", "degraded")
        log.warning("screening degraded to allow", extra={"cause": cause})
        decision = degraded_decision(cause)
        return Outcome(decision, self._receipt(decision, None), True, 0)

    def _from_cache(self, who: Who, request: CallRequest) -> Gathered | None:
        device = self.cache.device(who.cache_key)
        if device is None:
            # Misses only: they come with a database read anyway, and a hit must stay
            # cheap (decisions minus misses are the hits).
            tally.inc(CACHE_MISSES, "device")
            return None
        number = normalize(request.number, device.region)
        known: NumberView | None = None
        if usable(number):
            assert number.e164 is not None
            known = self.cache.number(number.e164)
            if known is None:
                tally.inc(CACHE_MISSES, "number")
                return None
        who.row = device.row
        return self._gather(device, number, known, request)

    def _lookup(self, who: Who, request: CallRequest) -> Gathered:
        # The decision engine skips the pre-ping round trip, so a connection the database
        # dropped shows up here, and costs one retry rather than a degraded call.
        return once_more_if_dropped(lambda: self._lookup_once(who, request))

    def _lookup_once(self, who: Who, request: CallRequest) -> Gathered:
        cache = self.cache
        started = cache.started()
        device = cache.device(who.cache_key)
        # Autocommitted on PostgreSQL (runtime.py): each read is one round trip.
        with self.runtime.decision_engine.connect() as connection:
            known: NumberView | None = None
            if device is None:
                # Read in the server's region before the device's region is known, so
                # that one statement finds both; a national number from a device in
                # another region is read again below (rare).
                guess: NormalizedNumber | None
                try:
                    guess = normalize(request.number, self.region)
                except InvalidNumber:
                    guess = None
                cached = None
                if guess is not None and guess.e164 is not None and usable(guess):
                    cached = cache.number(guess.e164)
                device, known = read_device(connection, who, None if cached else guess)
                cache.keep_device(who.cache_key, device, started)
                if known is not None and guess is not None and guess.e164 is not None:
                    cache.keep_number(guess.e164, known, started)
                known = known or cached
                number = guess
                if guess is None or device.region != self.region:
                    number = normalize(request.number, device.region)
                    if guess is None or (number.e164, number.never_block) != (
                        guess.e164, guess.never_block,
                    ):  # fmt: skip
                        known = None
            else:
                who.row = device.row
                number = normalize(request.number, device.region)
            assert number is not None
            if known is None and usable(number):
                assert number.e164 is not None
                known = cache.number(number.e164)
                if known is None:
                    known = read_number(connection, number)
                    cache.keep_number(number.e164, known, started)
        return self._gather(device, number, known, request)

    def _gather(
        self,
        device: DeviceView,
        number: NormalizedNumber,
        known: NumberView | None,
        request: CallRequest,
    ) -> Gathered:
        """The policy's inputs, from what was read (or kept) about device and caller."""
        call = CallFacts(
            number=number,
            attestation=parse_attestation(request.verstat),
            in_contacts=request.in_contacts,
            call_time=request.call_time,
        )
        if known is None or number.e164 is None or number.never_block:
            return device.facts, call, Signals()
        score = None
        if not number.withheld:
            score = self.scorer.score(call, known.evidence, time.time(), known.pattern)
        signals = Signals(
            personal_allow=device.allow.match(number.e164),
            personal_block=device.block.match(number.e164),
            admin_label=known.admin_label,
            score=score,
        )
        return device.facts, call, signals
