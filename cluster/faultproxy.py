"""A TCP proxy that can delay or blackhole traffic: a sick network between app and data.

    python -m cluster.faultproxy --listen 6433 --upstream 127.0.0.1:5433 --control FILE
    python -m cluster.faultproxy --listen 6499            # no upstream: never answers

The mode is read from the JSON control file (``{"mode": "pass"}``, ``{"mode": "delay",
"delay_ms": 200}`` or ``{"mode": "blackhole"}``) every 100 ms, so a fault schedule
changes it by rewriting one file. In ``delay`` every chunk waits ``delay_ms`` in each
direction. In ``blackhole`` nothing moves either way and new connections are accepted
but never connected upstream: the kernel still ACKs, exactly like a peer that hangs,
which is what client-side timeouts must cope with. When the blackhole ends, held bytes
flow again, as TCP retransmission would deliver them after a network partition heals.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

CHUNK = 64 * 1024
POLL_S = 0.1


@dataclass
class Mode:
    name: str = "pass"
    delay_s: float = 0.0


def read_mode(control: Path | None) -> Mode:
    """The mode the control file asks for; a missing or half-written file means pass."""
    if control is None:
        return Mode("blackhole")
    try:
        data = json.loads(control.read_text())
    except (OSError, ValueError):
        return Mode()
    name = str(data.get("mode", "pass"))
    if name not in {"pass", "delay", "blackhole"}:
        name = "pass"
    return Mode(name, float(data.get("delay_ms", 0)) / 1000.0)


def write_mode(control: Path, name: str, delay_ms: int = 0) -> None:
    """Switch a running proxy (atomically: it never reads half a file)."""
    staging = control.with_suffix(".tmp")
    staging.write_text(json.dumps({"mode": name, "delay_ms": delay_ms}))
    staging.replace(control)


class FaultProxy:
    def __init__(self, upstream: tuple[str, int] | None, control: Path | None) -> None:
        self.upstream = upstream
        self.control = control
        self.mode = read_mode(control)

    async def watch(self) -> None:
        while True:
            self.mode = read_mode(self.control)
            await asyncio.sleep(POLL_S)

    async def _hold(self) -> None:
        while self.mode.name == "blackhole":
            await asyncio.sleep(POLL_S / 2)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(CHUNK):
                await self._hold()
                if self.mode.name == "delay" and self.mode.delay_s > 0:
                    await asyncio.sleep(self.mode.delay_s)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._hold()
        if self.upstream is None:  # a port that never answers: keep reading, say nothing
            with contextlib.suppress(ConnectionError, OSError):
                while await reader.read(CHUNK):
                    pass
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()  # upstream down: the client sees the refusal as a reset
            return
        await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))


async def serve(port: int, upstream: tuple[str, int] | None, control: Path | None) -> None:
    proxy = FaultProxy(upstream, control)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", port, reuse_address=True)
    async with server:
        await asyncio.gather(server.serve_forever(), proxy.watch())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--upstream", help="host:port; without it the port never answers")
    parser.add_argument("--control", type=Path, help="JSON mode file")
    args = parser.parse_args()
    upstream = None
    if args.upstream:
        host, _, port = args.upstream.rpartition(":")
        upstream = (host, int(port))
    asyncio.run(serve(args.listen, upstream, args.control))


if __name__ == "__main__":
    main()
