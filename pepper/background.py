"""A daemon thread a process starts on first use, and again in a forked child.

gunicorn builds the app in its master and forks the workers (preload_app): a thread
started in the master does not exist in the children, so each holder checks, on use,
that its thread runs in this very process.

That check runs several times per call (the change feed, the standby, the call
recorder, the counts), so it reads two attributes: a fork is noticed by a generation
that ``os.register_at_fork`` bumps in the child, a thread that ended by a flag it sets
on its way out. ``os.getpid()`` and ``Thread.is_alive()`` (a lock taken and released)
were 5 % of a worker's time under load (bench.twilio_load, py-spy).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

_generation = 0  # the number of forks between the first process and this one


def _forked() -> None:
    global _generation
    _generation += 1


os.register_at_fork(after_in_child=_forked)


class ProcessThread:
    def __init__(self, target: Callable[[], None], name: str) -> None:
        self._target = target
        self._name = name
        self._thread: threading.Thread | None = None
        self._generation = -1
        self._ended = True
        self._lock = threading.Lock()

    def _running(self) -> bool:
        return not self._ended and self._generation == _generation

    def _run(self) -> None:
        try:
            self._target()
        finally:
            self._ended = True

    def ensure(self) -> None:
        """Start the thread in this process unless it runs already (cheap when it does)."""
        if self._running():
            return
        with self._lock:
            if self._running():
                return
            self._generation = _generation
            self._ended = False
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            try:
                self._thread.start()
            except BaseException:
                self._ended = True
                raise

    def join(self, timeout_s: float) -> None:
        """Wait for a stopped thread of this process to end: its connections go back to
        their pool before the pool is disposed, not to a closed one."""
        thread = self._thread
        if (
            thread is not None
            and self._generation == _generation
            and thread is not threading.current_thread()
        ):
            thread.join(timeout_s)
