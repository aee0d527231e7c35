"""The watchdog's thread, on a socket pair standing in for a PostgreSQL connection.

The thread is never woken by ``arm``: it must still find each deadline in time, also a
statement armed after it has been idle for longer than the bound.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from pepper.db.watchdog import Watchdog

LIMIT_S = 0.3


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair()
    yield ours, theirs
    ours.close()
    theirs.close()


def connection_on(sock: socket.socket) -> SimpleNamespace:
    return SimpleNamespace(pgconn=SimpleNamespace(socket=sock.fileno()))


def seconds_until_shut_down(theirs: socket.socket) -> float:
    started = time.monotonic()
    theirs.settimeout(5)
    assert theirs.recv(1) == b""  # end of stream: the watchdog shut our end down
    return time.monotonic() - started


@pytest.mark.parametrize("idle_s", [0.0, 0.1, 1.0])
def test_a_statement_is_aborted_at_its_deadline_however_long_the_thread_idled(
    pair: tuple[socket.socket, socket.socket], idle_s: float
) -> None:
    ours, theirs = pair
    watchdog = Watchdog(LIMIT_S)
    watchdog.arm("warm", connection_on(ours))  # starts the thread
    watchdog.disarm("warm")
    time.sleep(idle_s)
    watchdog.arm("hung", connection_on(ours))
    waited = seconds_until_shut_down(theirs)
    assert LIMIT_S - 0.05 <= waited < LIMIT_S + 0.25
    # The thread counts the abort just after the shutdown the peer has already seen.
    deadline = time.monotonic() + 1
    while watchdog.aborted == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert watchdog.aborted == 1


def test_a_statement_answered_in_time_is_left_alone(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    ours, theirs = pair
    watchdog = Watchdog(LIMIT_S)
    for n in range(20):
        watchdog.arm(n, connection_on(ours))
        watchdog.disarm(n)
    time.sleep(LIMIT_S * 2)
    ours.sendall(b"x")
    theirs.settimeout(1)
    assert theirs.recv(1) == b"x"
    assert watchdog.aborted == 0
