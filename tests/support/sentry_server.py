"""A local HTTP server that receives sentry-sdk envelopes, as Sentry's own tests do.

The real sentry-sdk transport posts to ``http://key@127.0.0.1:PORT/1`` →
``/api/1/envelope/``; we keep the raw (decompressed) bytes for assertions.
"""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Envelopes:
    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.lock = threading.Lock()

    def events(self) -> list[dict[str, Any]]:
        """Every event item (type "event") of every envelope received."""
        found = []
        with self.lock:
            payloads = list(self.raw)
        for payload in payloads:
            lines = payload.split(b"\n")
            for header, body in zip(lines[1::2], lines[2::2], strict=False):
                try:
                    item = json.loads(header)
                except ValueError:
                    continue
                if item.get("type") == "event":
                    found.append(json.loads(body))
        return found

    def all_bytes(self) -> bytes:
        with self.lock:
            return b"\n".join(self.raw)


def _decode(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        import brotli  # type: ignore[import-not-found]

        return bytes(brotli.decompress(body))
    return body


@contextmanager
def sentry_server() -> Iterator[tuple[str, Envelopes]]:
    received = Envelopes()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = _decode(self.rfile.read(length), self.headers.get("Content-Encoding", ""))
            with received.lock:
                received.raw.append(body)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://publickey@127.0.0.1:{server.server_address[1]}/1", received
    finally:
        server.shutdown()
        server.server_close()
