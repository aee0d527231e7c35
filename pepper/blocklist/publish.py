"""Publishing a version: select, encode, pre-build deltas from retained versions, store.

Runs as a job (``pepper.blocklist.jobs``), single flight across hosts. Everything a
client can ask for is built here, once: the full list of every country and the delta
to it from every retained older version, each stored gzip-compressed, so that serving
is reading bytes, never recomputing a list per request.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pepper.blocklist import build, ranking, storage, wire
from pepper.blocklist.entries import EMPTY, EntryList, Payload, diff, full
from pepper.blocklist.models import BlocklistArtifact
from pepper.jobs.service import UowFactory
from pepper.reputation import ReputationParams
from pepper.screening.types import Thresholds

log = logging.getLogger(__name__)
GZIP_LEVEL = 6  # stored artifacts are compressed once and served many times
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    version: int
    model_version: str  # the model that ranked the lists, or "reputation-v1"
    ranking: str  # "model" | "reputation"
    entries: int
    countries: dict[str, int]
    deltas: int
    pruned: list[int]
    seconds: dict[str, float]
    fallback: str | None = None  # why reputation alone ranked the lists


def encode(payload: Payload, *, version: int, since: int) -> tuple[bytes, str]:
    """(gzip of the binary payload, sha256 of the uncompressed bytes)."""
    raw = wire.to_binary(payload, version=version, since=since, more=False)
    return gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0), hashlib.sha256(raw).hexdigest()


def decode(blob: bytes) -> wire.Decoded:
    return wire.from_binary(gzip.decompress(blob))


def publish(
    uow_factory: UowFactory,
    *,
    now: float,
    params: ReputationParams,
    thresholds: Thresholds,
    max_entries: int,
    retained: int,
    models_dir: Path,
    progress: Progress | None = None,
) -> PublishOutcome:
    """Compute the lists from today's evidence and the active model, and store them as
    the next version (reputation alone when no model is active or it is refused)."""
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    ranker = ranking.active_ranker(uow_factory, models_dir)
    with uow_factory() as uow:
        callers, patterns = storage.read_patterns(uow.session)
        # With a model, callers the carrier saw are candidates too: their call pattern
        # alone can make the model block them, as it would block their calls.
        extra = callers if ranker.model is not None else None
        evidence = storage.read_evidence(uow.session, extra)
        labels = storage.operator_labels(uow.session)
    read = time.perf_counter()
    say(f"read evidence for {evidence.numbers.size} numbers")
    p_spam = None
    if ranker.model is not None:
        inputs = ranking.inputs_for(
            evidence, callers, patterns, now=now, half_life_days=params.half_life_days
        )
        p_spam = ranking.probabilities(ranker.model, inputs)
        say(f"scored {evidence.numbers.size} numbers with model {ranker.version}")
    else:
        say(f"no model ({ranker.reason}): the lists follow reputation alone")
    scored = time.perf_counter()
    lists = build.select(
        evidence, labels, now=now, params=params,
        selection=build.Selection(thresholds=thresholds, max_entries=max_entries),
        p_spam=p_spam,
    )  # fmt: skip
    selected = time.perf_counter()
    say(f"selected {sum(len(v) for v in lists.values())} entries")
    with uow_factory() as uow:
        session = uow.session
        older = storage.versions(session)[-(retained - 1) :]
        version = (older[-1] if older else 0) + 1
        countries = set(lists)
        for v in older:
            countries |= storage.countries(session, v)
        artifacts: list[BlocklistArtifact] = []
        for country in sorted(countries):
            latest = lists.get(country, EMPTY)
            artifacts.append(_artifact(full(latest), version, country, since=0))
            for v in older:
                before = _stored_full(session, v, country)
                artifacts.append(_artifact(diff(before, latest), version, country, since=v))
        encoded = time.perf_counter()
        storage.add_version(
            session,
            version=version,
            model_version=ranker.version,
            entries=sum(len(v) for v in lists.values()),
            summary={
                "countries": {str(c): len(v) for c, v in sorted(lists.items())},
                "thresholds": [thresholds.silence, thresholds.block],
                "max_entries": max_entries,
                "ranking": ranker.ranking,
                "fallback": ranker.reason,
            },
            artifacts=artifacts,
        )
        pruned = storage.prune(session, keep=retained)
        uow.note_change("blocklist", version)  # every process loads it (views.warm_on)
        uow.commit()
    done = time.perf_counter()
    if ranker.model is None:
        log.warning(
            "published block-list version %s ranked by reputation alone (%s)",
            version,
            ranker.reason,
            extra={"blocklist_version": version, "reason": ranker.reason},
        )
    return PublishOutcome(
        version=version,
        model_version=ranker.version,
        ranking=ranker.ranking,
        fallback=ranker.reason,
        entries=sum(len(v) for v in lists.values()),
        countries={str(c): len(v) for c, v in sorted(lists.items())},
        deltas=sum(1 for a in artifacts if a.since),
        pruned=pruned,
        seconds={
            "read": round(read - started, 3),
            "model": round(scored - read, 3),
            "select": round(selected - scored, 3),
            "encode": round(encoded - selected, 3),
            "store": round(done - encoded, 3),
            "total": round(done - started, 3),
        },
    )


def _artifact(payload: Payload, version: int, country: int, *, since: int) -> BlocklistArtifact:
    blob, sha = encode(payload, version=version, since=since)
    return BlocklistArtifact(
        version=version, country_code=country, since=since, entries=payload.size,
        sha256=sha, payload=blob,
    )  # fmt: skip


def _stored_full(session: Any, version: int, country: int) -> EntryList:
    blob = storage.artifact(session, version=version, country_code=country, since=0)
    return EMPTY if blob is None else decode(blob).payload.entries
