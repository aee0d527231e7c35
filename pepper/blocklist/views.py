"""``GET /v1/blocklist`` (device token) and ``POST /admin/blocklist/publish`` (admin)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import phonenumbers
from flask import Flask, Response, current_app, request
from flask_smorest import Blueprint

from pepper.admin.views import ADMIN_AUTH, JobOut, _admin_only
from pepper.blocklist import storage
from pepper.blocklist.cache import ArtifactCache
from pepper.blocklist.jobs import enqueue_publish
from pepper.blocklist.schemas import BlocklistArgs, BlocklistOut
from pepper.blocklist.serve import Answer, Ask, answer, answer_cached, warm
from pepper.blocklist.storage import PersonalEntry
from pepper.db.changes import Notice
from pepper.errors import Unprocessable
from pepper.http.auth import DEVICE_AUTH, authenticate_device, current_device
from pepper.http.limits import LIMITER_KEY, token_or_ip
from pepper.http.schemas import DEGRADED_HEADER, DEGRADED_HEADER_DOC
from pepper.lists.patterns import stored_pattern
from pepper.lists.service import KINDS, EntryInfo
from pepper.runtime import EXTENSION_KEY, Runtime, runtime
from pepper.standby.http import read_or_recall
from pepper.standby.service import Standby

CACHE_KEY = "pepper.blocklist.cache"
log = logging.getLogger(__name__)

blp = Blueprint("blocklist", __name__, url_prefix="/v1/blocklist", description="Block-list sync")
blp.before_request(authenticate_device)
admin_blp = Blueprint(
    "blocklist_admin", __name__, url_prefix="/admin/blocklist", description="Operators"
)
admin_blp.before_request(_admin_only)


@blp.get("")
@blp.arguments(BlocklistArgs, location="query")
@blp.response(200, BlocklistOut, headers=DEGRADED_HEADER_DOC)
@blp.alt_response(304, description="If-None-Match matched: nothing changed")
@blp.alt_response(410, description="the cursor's list changed or is no longer kept")
@blp.doc(security=DEVICE_AUTH)
def get_blocklist(args: dict[str, Any]) -> Response:
    """The published block and identification lists: full, or a delta since a sync token.

    ``format=binary`` answers ``application/vnd.pepper.blocklist`` (layout in the
    README); the next check time is in ``Pepper-Next-Check`` (epoch seconds). While the
    database is unavailable (production, with Redis) a server answers what it can from
    the newest list it holds, shaped by a copy of the device's lists (edits queued during
    the outage are not in it), with ``Pepper-Degraded: true``; else 503.
    """
    device = current_device()
    rt = runtime()
    region = args["country"] or device.default_region
    country_code = phonenumbers.country_code_for_region(region)
    if not country_code:
        raise Unprocessable(f"{region} is not a region with a calling code")
    ask = Ask(
        device_id=device.id,
        country_code=country_code,
        since=args["since"],
        fmt=args["format"],
        chunk=args["chunk"],
        cursor=args["cursor"],
        personal=args["personal"],
        gzip=request.accept_encodings["gzip"] > 0,
        if_none_match=request.headers.get("If-None-Match"),
    )
    settings = rt.settings
    refresh_s, jitter = settings.blocklist_refresh_s, settings.blocklist_refresh_jitter

    def live() -> Answer:
        with rt.uow() as uow:
            found = answer(uow, cache(), ask, refresh_s=refresh_s, jitter=jitter)
            if rt.standby is not None:  # what an outage would shape this list with
                rt.standby.lists.refresh(uow, device.id, KINDS)
        return found

    def recall(standby: Standby) -> Answer | None:
        personal = personal_of(standby.lists.recall_all(device.id))
        return answer_cached(cache(), ask, personal, refresh_s=refresh_s, jitter=jitter)

    result, degraded = read_or_recall("blocklist", live, recall)
    response = Response(result.body, status=result.status, content_type=result.content_type)
    response.headers.update(result.headers)
    if degraded:
        response.headers[DEGRADED_HEADER] = "true"
    return response


@admin_blp.post("/publish")
@admin_blp.response(202, JobOut)
@admin_blp.doc(security=ADMIN_AUTH)
def publish() -> Any:
    """Start a publish; while one runs anywhere, this returns that job."""
    job, _ = enqueue_publish(runtime())
    return job


def personal_of(copies: dict[str, list[EntryInfo]]) -> list[PersonalEntry] | None:
    """The device's entries as block lists use them, from the copies of both its lists
    (None without both: the list could not be shaped as the database would)."""
    if set(copies) != set(KINDS):
        return None
    patterns = [(kind, stored_pattern(e.pattern)) for kind in KINDS for e in copies[kind]]
    return storage.personal((kind, p.prefix, p.is_prefix) for kind, p in patterns)


def cache() -> ArtifactCache:
    found = current_app.extensions.get(CACHE_KEY)
    assert isinstance(found, ArtifactCache)
    return found


def init_app(app: Flask) -> None:
    """One artifact cache per process; the route's own rate limit (after limits.init_app);
    the newest lists loaded whenever one is published (and at a worker's start,
    gunicorn.conf.py), so that a process can answer without the database."""
    cache = app.extensions[CACHE_KEY] = ArtifactCache()
    rt: Runtime = app.extensions[EXTENSION_KEY]
    rt.changes.listen(lambda notices: warm_on(rt, cache, notices))
    limiter = app.extensions.get(LIMITER_KEY)
    endpoint = "blocklist.get_blocklist"
    view = app.view_functions.get(endpoint)
    if limiter is not None and view is not None:
        limit = runtime_settings(app).rate_limit_blocklist
        app.view_functions[endpoint] = limiter.limit(limit, key_func=token_or_ip)(view)


def warm_on(rt: Runtime, cache: ArtifactCache, notices: Iterable[Notice]) -> None:
    """A change-feed listener: load a newly published version into this process."""
    if any(n.kind == "blocklist" for n in notices):
        warm_cache(rt, cache)


def warm_cache(rt: Runtime, cache: ArtifactCache) -> None:
    """Load the newest published lists; a failure only means loading at first request."""
    try:
        with rt.uow() as uow:
            warm(uow.session, cache)
    except Exception:
        log.warning("newest block lists not preloaded", exc_info=True)


def runtime_settings(app: Flask) -> Any:
    return app.extensions[EXTENSION_KEY].settings
