"""A real gunicorn process for end-to-end tests, talked to over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_live(base_url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/livez", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("gunicorn did not come up")


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, log: Path | None = None) -> Iterator[str]:
    """Start ``gunicorn -c gunicorn.conf.py wsgi:app`` with these PEPPER_* settings."""
    port = free_port()
    full_env = {
        **os.environ,
        "PEPPER_ACCESS_LOG": "/dev/null",  # unless a test reads it
        **env,
        "PEPPER_BIND": f"127.0.0.1:{port}",
        "PEPPER_WORKERS": str(workers),
    }
    out = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=REPO,
        env=full_env,
        stdout=out,
        stderr=out,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(base_url, process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log and not isinstance(out, int):
            out.close()
