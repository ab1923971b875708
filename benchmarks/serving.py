"""What the benchmarks' server processes share: announce the port, then serve until SIGTERM (bounded)."""

from __future__ import annotations

import asyncio
import contextlib
import signal

MAX_SECONDS = 3600.0


async def serve_until_stopped(ready_line: str, max_seconds: float = MAX_SECONDS) -> None:
    """Print ``READY <ready_line>`` for the parent process, then wait for SIGTERM or SIGINT, at most
    ``max_seconds``."""
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    print(f"READY {ready_line}", flush=True)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), max_seconds)
