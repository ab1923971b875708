"""Running the Slack app: Socket Mode (no public URL) or HTTP on aiohttp (``/slack/events``, ``/healthz``)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient

from adapters.slack.app import SlackBot
from adapters.slack.verify import verify_first
from adapters.supervise import Backoff, Link, network_error, quiet_network_tracebacks, wait_to_retry

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
    from adapters.ops import serve  # idle timeout, connection cap, open-files limit

    runner = await serve(web_app(slack), host, port)
    log.info("slack HTTP mode listening", extra={"host": host, "port": port, "path": EVENTS_PATH})
    return runner


SOCKET_LOGGER = "adapters.slack.socket_mode"


class SupervisedSocketModeClient(SocketModeClient):
    """slack_sdk's Socket Mode client, asking for a WebSocket URL with capped exponential backoff and one warning
    line per failed attempt (slack_sdk alone retries every 10 s, logging a traceback each time)."""

    link: Link

    async def issue_new_wss_url(self) -> str:
        backoff = Backoff()
        while True:
            try:
                return await super().issue_new_wss_url()
            except Exception as exc:
                if not (network_error(exc) or isinstance(exc, SlackApiError)) or self.closed:
                    raise
                await wait_to_retry(log, self.link, "connecting to Slack (Socket Mode)", exc, backoff)


class SupervisedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler on :class:`SupervisedSocketModeClient`; ``link`` tells ``/readyz`` its state."""

    def __init__(self, app, app_token: str, link: Link):
        quiet_network_tracebacks(SOCKET_LOGGER)
        self.app = app
        self.app_token = app_token
        self.client = SupervisedSocketModeClient(
            app_token=app_token, logger=logging.getLogger(SOCKET_LOGGER), web_client=app.client
        )
        self.client.link = link
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
        self.link = link

    async def ready(self) -> bool:
        connected = await self.client.is_connected()
        if connected:
            self.link.up()
        elif self.link.problem is None:
            self.link.down("not connected")
        return connected


    async def connect_async(self) -> None:
        """Connect, retrying while Slack is unreachable (cancel to give up); slack_sdk reconnects on its own
        once connected."""
        log.info("connecting to Slack (Socket Mode)")
        await super().connect_async()
        self.link.up()
        log.info("slack socket mode connected")


def socket_mode_handler(slack: SlackBot, app_token: str) -> SupervisedSocketModeHandler:
    """A handler not connected yet: run its ``connect_async`` in a task, so that a stop can cancel it."""
    return SupervisedSocketModeHandler(slack.bolt, app_token, Link("slack"))


async def connect_socket_mode(slack: SlackBot, app_token: str) -> SupervisedSocketModeHandler:
    handler = socket_mode_handler(slack, app_token)
    await handler.connect_async()
    return handler


async def run_until_stopped(stop: asyncio.Event) -> None:
    await stop.wait()
