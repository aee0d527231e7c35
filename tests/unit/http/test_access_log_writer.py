"""The access log written behind the request (pepper/http/access_log.py): queued lines
reach gunicorn's log in order and once, a log that does not keep up loses its oldest
lines and says so, and a forked worker never writes its parent's lines."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from pepper.http import access_log
from pepper.http.access_log import AccessLogger


@pytest.fixture(autouse=True)
def close_gunicorn_handlers() -> Iterator[None]:
    """gunicorn's loggers are process-wide: each test's files are closed after it."""
    yield
    for name in ("gunicorn.access", "gunicorn.error"):
        log = logging.getLogger(name)
        for handler in list(log.handlers):
            if getattr(handler, "_gunicorn", False):
                log.removeHandler(handler)
                handler.close()


def logger_to(path: Path) -> AccessLogger:
    cfg = Config()
    cfg.set("accesslog", str(path))
    cfg.set("errorlog", str(path.with_suffix(".errors")))
    return AccessLogger(cfg)


def serve(logger: AccessLogger, rid: str, path: str = "/readyz") -> None:
    response = SimpleNamespace(status="200 OK", sent=12, headers=[("X-Request-ID", rid)])
    environ = {"REMOTE_ADDR": "10.0.0.7", "REQUEST_METHOD": "GET", "PATH_INFO": path}
    logger.access(response, None, environ, timedelta(milliseconds=3))


def ids_in(path: Path) -> list[str]:
    return [line.rsplit("rid=", 1)[1] for line in path.read_text().splitlines()]


def test_lines_are_written_behind_in_order_and_once(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    logger = logger_to(log)
    for n in range(5):
        serve(logger, f"r{n}")
    logger.flush_access()
    logger.flush_access()  # nothing left: nothing written twice
    assert ids_in(log) == [f"r{n}" for n in range(5)]
    assert log.read_text().splitlines()[0] == '10.0.0.7 "GET /readyz" 200 12 3ms rid=r0'


def test_the_writer_thread_writes_without_being_asked(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    logger = logger_to(log)
    serve(logger, "behind")
    deadline = time.monotonic() + access_log.FLUSH_S * 20
    while not (log.exists() and log.read_text()) and time.monotonic() < deadline:
        time.sleep(access_log.FLUSH_S / 4)
    assert ids_in(log) == ["behind"]


def test_an_operators_handler_gets_one_record_per_line(tmp_path: Path) -> None:
    logger = logger_to(tmp_path / "access.log")
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    collect = Collect()
    logger.access_log.addHandler(collect)
    try:
        serve(logger, "a")
        serve(logger, "b")
        logger.flush_access()
    finally:
        logger.access_log.removeHandler(collect)
    assert [record.rsplit("rid=", 1)[1] for record in records] == ["a", "b"]


def test_a_log_that_does_not_keep_up_loses_its_oldest_lines_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access_log, "MAX_QUEUED", 3)
    monkeypatch.setattr(access_log, "FLUSH_S", 3600)  # the writer waits: the log is stuck
    log = tmp_path / "access.log"
    logger = logger_to(log)
    for n in range(5):
        serve(logger, f"r{n}")
    logger.flush_access()
    assert ids_in(log) == ["r2", "r3", "r4"]
    assert "access log: 2 lines dropped" in log.with_suffix(".errors").read_text()


def test_a_forked_worker_never_writes_its_parents_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access_log, "FLUSH_S", 3600)  # flushed by hand below
    log = tmp_path / "access.log"
    logger = logger_to(log)
    serve(logger, "parent")
    child = os.fork()
    if child == 0:  # the worker: its own line only
        try:
            serve(logger, "child")
            logger.flush_access()
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    logger.flush_access()
    assert sorted(ids_in(log)) == ["child", "parent"]
