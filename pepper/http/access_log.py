"""gunicorn's access log, one line per request with just the fields Pepper logs.

    10.0.0.7 "POST /twilio/voice" 200 187 3ms rid=4f2c...
    10.0.0.7 "GET /v1/numbers/<path:number>" 200 412 5ms rid=9b1e...

gunicorn's own ``Logger.access`` builds, for every request, a dict of every request
header, response header and WSGI environ variable, then looks six of them up: 15 % of a
worker's time under load (bench.twilio_load, py-spy), with the log going to /dev/null.
This logger reads the six directly. Used through ``logger_class`` in gunicorn.conf.py;
everything else (files, reopening, syslog, the error log) is gunicorn's.

Paths carry phone numbers (``/v1/numbers/+12025550143``), so no path is logged as sent:
a request that matched a route is logged with the route's rule
(``/v1/numbers/<path:number>``, put in the environ by the app under ``ROUTE_KEY``), any
other with every digit of its path masked; query strings are never logged. The request
id is the one the response carries: the client's ``X-Request-ID`` when it is a plain
token, else the one Pepper made up (pepper/http/observe.py), so that an access line
always meets the app's log lines of the same request.

Lines are written behind the request, not during it: ``access`` only formats the line
and queues it, and a thread of the worker writes what has queued every ``FLUSH_S``
(0.1 s), in one write when the log is gunicorn's own file or stream. Written during the
request, each line took the handler's lock and made a write holding it; under load the
other request threads queued on that lock and on the GIL it handed over. Under
bench.twilio_load's load (A/B, six rounds each, BENCHMARKS.md), Pepper's CPU per call
was 25 % lower with no access log at all, and is 8-15 % lower written behind. What
this trades: a worker killed with SIGKILL loses its last 0.1 s of lines (one that exits
writes them first, ``atexit``), and a log whose reader stops keeping up loses its
oldest lines beyond ``MAX_QUEUED``, each loss counted in the error log, where before it
blocked every request thread, calls included.

Imports nothing of Pepper's but ``pepper.background`` (its writer thread, started once
per worker process), which loads nothing heavy: gunicorn loads this in the master before
the app, and the benchmarks' bare baseline runs with it too.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import traceback
from collections import deque
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

from pepper.background import ProcessThread

REQUEST_ID = "x-request-id"
# Where the app leaves the rule of the route a request matched (pepper/http/observe.py).
ROUTE_KEY = "pepper.route"
FLUSH_S = 0.1
MAX_QUEUED = 20_000  # lines: 10 s of a worker at 2,000 requests a second
_LINE = '%s "%s %s" %s %s %dms rid=%s'
_MASK_DIGITS = str.maketrans("0123456789", "#" * 10)
_MILLISECOND = timedelta(milliseconds=1)


class AccessLogger(Logger):  # type: ignore[misc]  # gunicorn has no type hints
    def __init__(self, cfg: Any) -> None:
        self._queued: deque[str] = deque(maxlen=MAX_QUEUED)
        self._dropped = 0
        self._flushing = threading.Lock()
        self._writer = ProcessThread(self._write_behind, "pepper-access-log")
        super().__init__(cfg)
        # Created in gunicorn's master, used in each forked worker: a worker never writes
        # lines its parent had queued, and writes its own before it exits.
        os.register_at_fork(after_in_child=self._forget_queued)
        atexit.register(self.flush_access)

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        try:
            status = resp.status
            if isinstance(status, str):
                status = status.split(None, 1)[0]
            line = _LINE % (
                environ.get("REMOTE_ADDR", "-"),
                environ.get("REQUEST_METHOD", "-"),
                environ.get(ROUTE_KEY) or environ.get("PATH_INFO", "-").translate(_MASK_DIGITS),
                status,
                getattr(resp, "sent", None) or 0,
                request_time // _MILLISECOND,
                _request_id(resp.headers),
            )
        except Exception:  # as gunicorn does: a log line must never fail a request
            self.error(traceback.format_exc())
            return
        if len(self._queued) == self._queued.maxlen:
            # The append below drops the oldest line. A count for the operator, not an
            # exact one: two threads may race on it.
            self._dropped += 1
        self._queued.append(line)
        self._writer.ensure()

    def flush_access(self) -> None:
        """Write every queued line (the writer thread, and the worker's exit)."""
        with self._flushing:
            lines: list[str] = []
            try:
                while True:
                    lines.append(self._queued.popleft())
            except IndexError:
                pass
            dropped, self._dropped = self._dropped, 0
            if dropped:
                self.error_log.warning(
                    "access log: %d lines dropped, its output did not keep up", dropped
                )
            if not lines:
                return
            if all(_plain(handler) for handler in self.access_log.handlers):
                self.access_log.info("%s", "\n".join(lines))
            else:  # syslog, or handlers of the operator's logconfig: a record per line
                for line in lines:
                    self.access_log.info("%s", line)

    def _write_behind(self) -> None:
        while True:
            time.sleep(FLUSH_S)
            try:
                self.flush_access()
            except Exception:  # the writer must outlive any one bad batch
                self.error(traceback.format_exc())

    def _forget_queued(self) -> None:
        self._queued.clear()
        self._dropped = 0


def _plain(handler: logging.Handler) -> bool:
    """gunicorn's own file or stream handler, whose format is the message alone: a batch
    of lines joined by newlines is written as those lines, in one write."""
    return isinstance(handler, logging.StreamHandler) and getattr(handler, "_gunicorn", False)


def _request_id(headers: list[tuple[str, str]]) -> str:
    for name, value in headers:
        if name.lower() == REQUEST_ID:
            return value
    return "-"
