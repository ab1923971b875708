"""The baseline of benchmark 4: a bare aiohttp server that answers 200 at once to ``POST /slack/events``.
``python -m benchmarks.bare_server``: prints ``READY <port>``; serves until SIGTERM (at most an hour)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from benchmarks.serving import serve_until_stopped
from fakes.loopback import serve_on_loopback


async def events(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(text="")


async def main() -> None:
    app = web.Application()
    app.router.add_post("/slack/events", events)
    runner, port = await serve_on_loopback(app)
    await serve_until_stopped(str(port))
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
