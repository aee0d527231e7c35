"""A daemon thread a process starts on first use, and again in a forked child.

gunicorn builds the app in its master and forks the workers (preload_app): a thread
started in the master does not exist in the children, so each holder checks, on use,
that its thread runs in this very process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable


class ProcessThread:
    def __init__(self, target: Callable[[], None], name: str) -> None:
        self._target = target
        self._name = name
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def _running(self) -> bool:
        thread = self._thread
        return thread is not None and self._pid == os.getpid() and thread.is_alive()

    def ensure(self) -> None:
        """Start the thread in this process unless it runs already (cheap when it does)."""
        if self._running():
            return
        with self._lock:
            if self._running():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._target, name=self._name, daemon=True)
            self._thread.start()

    def join(self, timeout_s: float) -> None:
        """Wait for a stopped thread of this process to end: its connections go back to
        their pool before the pool is disposed, not to a closed one."""
        thread = self._thread
        if (
            thread is not None
            and self._pid == os.getpid()
            and thread is not threading.current_thread()
        ):
            thread.join(timeout_s)
