"""Running the Slack app: Socket Mode (no public URL) or HTTP on aiohttp (``/slack/events``, ``/healthz``)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_server import AsyncSlackAppServer

from adapters.slack.app import SlackBot
from adapters.slack.verify import verify_first

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


async def healthz(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def web_app(slack: SlackBot, *, with_healthz: bool = True) -> web.Application:
    """Events API, interactivity and slash commands on /slack/events; the OAuth install flow when configured."""
    server = AsyncSlackAppServer(port=0, path=EVENTS_PATH, app=slack.bolt)
    server.web_app.middlewares.append(verify_first(slack.signing_secret, EVENTS_PATH))
    if with_healthz:
        server.web_app.router.add_get("/healthz", healthz)
    return server.web_app


async def serve_http(slack: SlackBot, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(web_app(slack), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("slack HTTP mode listening", extra={"host": host, "port": port, "path": EVENTS_PATH})
    return runner


async def connect_socket_mode(slack: SlackBot, app_token: str) -> AsyncSocketModeHandler:
    handler = AsyncSocketModeHandler(slack.bolt, app_token)
    await handler.connect_async()
    log.info("slack socket mode connected")
    return handler


async def run_until_stopped(stop: asyncio.Event) -> None:
    await stop.wait()
