"""The baseline of benchmark 4: a bare aiohttp server that answers 200 at once to ``POST /slack/events``.
``python -m benchmarks.bare_server``: prints ``READY <port>``; serves until SIGTERM (at most an hour)."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from aiohttp import web

MAX_SECONDS = 3600.0


async def events(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(text="")


async def main() -> None:
    app = web.Application()
    app.router.add_post("/slack/events", events)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    print(f"READY {runner.addresses[0][1]}", flush=True)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), MAX_SECONDS)
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
