"""ProcessThread: one thread per process, started again after it ended or a fork."""

from __future__ import annotations

import os
import threading

import pytest

from pepper.background import ProcessThread


def holder() -> tuple[ProcessThread, list[str], threading.Event]:
    """A ProcessThread whose thread notes it started, then waits for ``stop``."""
    started: list[str] = []
    stop = threading.Event()

    def run() -> None:
        started.append(threading.current_thread().name)
        stop.wait(10)

    return ProcessThread(run, "pepper-test"), started, stop


def test_ensure_starts_one_thread_however_often_it_is_called() -> None:
    thread, started, stop = holder()
    try:
        for _ in range(3):
            thread.ensure()
        threads = [t for t in threading.enumerate() if t.name == "pepper-test"]
        assert len(threads) == 1
    finally:
        stop.set()
        thread.join(5)
    assert started == ["pepper-test"]


def test_a_thread_that_ended_is_started_again() -> None:
    thread, started, stop = holder()
    stop.set()  # each run ends at once
    thread.ensure()
    thread.join(5)
    thread.ensure()
    thread.join(5)
    assert len(started) == 2


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_thread_that_died_of_an_error_is_started_again() -> None:
    runs: list[int] = []

    def crash() -> None:
        runs.append(1)
        raise RuntimeError("boom")

    thread = ProcessThread(crash, "pepper-test-crash")
    thread.ensure()
    thread.join(5)
    thread.ensure()
    thread.join(5)
    assert len(runs) == 2


def test_a_forked_child_starts_its_own_thread() -> None:
    thread, started, stop = holder()
    thread.ensure()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's thread does not exist here
        try:
            thread.ensure()
            alive = [t for t in threading.enumerate() if t.name == "pepper-test"]
            os.write(write, b"%d" % len(alive))
        finally:
            os._exit(0)
    os.close(write)
    try:
        assert os.read(read, 16) == b"1"
        os.waitpid(pid, 0)
    finally:
        os.close(read)
        stop.set()
        thread.join(5)
    assert started == ["pepper-test"]  # the parent's thread, started once here
