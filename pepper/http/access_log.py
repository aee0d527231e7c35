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

Imports nothing of Pepper's: gunicorn loads it in the master before the app, and the
benchmarks' bare baseline runs with it too.
"""

from __future__ import annotations

import traceback
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

REQUEST_ID = "x-request-id"
# Where the app leaves the rule of the route a request matched (pepper/http/observe.py).
ROUTE_KEY = "pepper.route"
_MASK_DIGITS = str.maketrans("0123456789", "#" * 10)
_MILLISECOND = timedelta(milliseconds=1)


class AccessLogger(Logger):  # type: ignore[misc]  # gunicorn has no type hints
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        try:
            status = resp.status
            if isinstance(status, str):
                status = status.split(None, 1)[0]
            self.access_log.info(
                '%s "%s %s" %s %s %dms rid=%s',
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


def _request_id(headers: list[tuple[str, str]]) -> str:
    for name, value in headers:
        if name.lower() == REQUEST_ID:
            return value
    return "-"
