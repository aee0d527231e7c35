"""What one process holds for its lifetime: settings, the engine, the Redis client.

Built by the app factory (never at import time) and reached through ``runtime()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import redis
from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pepper.db import UnitOfWork, make_engine
from pepper.db.changes import ChangeFeed
from pepper.db.engine import is_sqlite
from pepper.settings import Settings
from pepper.standby.service import Standby

EXTENSION_KEY = "pepper"
# Threads that run call-decision lookups in each process (the deadline's thread pool).
SCREEN_THREADS = 4


def make_redis(settings: Settings) -> redis.Redis | None:
    if not settings.redis_url:
        return None
    # redis-py waits forever by default (redis-py issue 2243); a call decision cannot.
    return redis.Redis.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_socket_timeout_s,
        socket_connect_timeout=settings.redis_connect_timeout_s,
        socket_keepalive=True,
        health_check_interval=30,
    )


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    redis: redis.Redis | None
    # The call decision's own pool: no pre-ping (see make_engine); the same engine on
    # SQLite, where a "round trip" is a function call.
    decision_engine: Engine
    session_factory: sessionmaker[Session] = field(init=False)
    # What this process caches must forget, from the change log (started on first use).
    changes: ChangeFeed = field(init=False)
    # Serving without PostgreSQL (pepper/standby): only with Redis.
    standby: Standby | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        self.changes = ChangeFeed(self.engine, self.settings.cache_sync_s)
        if self.redis is not None:
            settings = self.settings
            self.standby = Standby(
                self.redis, settings.redis_prefix, device_ttl_s=settings.standby_device_ttl_s,
                list_max_entries=settings.list_max_entries,
                key_ttl_s=settings.idempotency_retention_days * 86400,
                limit=settings.outbox_limit, replay_every_s=settings.outbox_replay_s,
                retry_s=settings.standby_retry_s,
            )  # fmt: skip
            self.standby.bind(self)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        engine = make_engine(settings)
        decision_engine = engine
        if not is_sqlite(settings):
            # The screener's lookup threads, and every request thread, which may store a
            # carrier call on it: a smaller pool opened and closed overflow connections
            # under load (a PostgreSQL backend started per call; p99 of /twilio/voice
            # 180-290 ms against 52 ms, bench.twilio_load). Autocommitted: a decision's
            # read is one statement, and a call record batch one upsert, each costing
            # one round trip with no BEGIN or ROLLBACK around it.
            pool_size = SCREEN_THREADS + settings.threads
            decision_engine = make_engine(
                settings, pre_ping=False, pool_size=pool_size, autocommit=True
            )
        return cls(settings, engine, make_redis(settings), decision_engine)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, on_commit=self.changes.publish_local)

    def close(self) -> None:
        self.changes.stop()
        if self.standby is not None:
            self.standby.stop()
        self.engine.dispose()
        if self.decision_engine is not self.engine:
            self.decision_engine.dispose()
        if self.redis is not None:
            self.redis.close()


def runtime() -> Runtime:
    rt = current_app.extensions[EXTENSION_KEY]
    assert isinstance(rt, Runtime)
    return rt
