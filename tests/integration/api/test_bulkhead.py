"""The bulkhead's slots (pepper/db/bulkhead.py) are for database time only."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from pepper.http.limits import LIMITER_KEY
from tests.support.factories import register


def test_a_slow_rate_limit_check_holds_no_database_slot(make_app: Callable[..., Flask]) -> None:
    """Found by the cluster run: with Redis 100 ms away, requests held every slot while
    the limiter waited on Redis, and one more was shed with a 503 though PostgreSQL was
    healthy. The limiter's check must come before a slot is taken."""
    app = make_app(db_request_slots=1)
    headers = register(app.test_client())
    hooks = app.before_request_funcs[None]
    check = app.extensions[LIMITER_KEY]._check_request_limit
    position = next(i for i, hook in enumerate(hooks) if hook == check)

    slow = ["first"]

    def slow_check() -> None:  # the first request's limiter waits on a slow Redis
        if slow and slow.pop():
            time.sleep(0.5)
        check()

    hooks[position] = slow_check

    def me() -> int:
        return app.test_client().get("/v1/devices/me", headers=headers).status_code

    with ThreadPoolExecutor(2) as pool:
        waiting = pool.submit(me)
        time.sleep(0.15)  # arrives while the first one is still in its limiter check
        quick = pool.submit(me)
        assert quick.result() == 200  # a slot was free: the first held none
        assert waiting.result() == 200
