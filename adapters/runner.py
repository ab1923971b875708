"""``studybot run`` (every configured platform and the scheduler in one asyncio loop) and ``studybot tick``."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web

from adapters.ops import add_ops_routes, serve
from bot.bootstrap import App
from bot.ports import ChatPort
from bot.settings import Settings

log = logging.getLogger(__name__)

Closer = Callable[[], Awaitable[None]]


@dataclass
class Platforms:
    """Ports to post through, readiness checks, the HTTP app to serve (if any), and what to close when stopping."""

    ports: dict[str, ChatPort] = field(default_factory=dict)
    closers: list[Closer] = field(default_factory=list)
    checks: dict[str, Callable[[], Awaitable[bool]]] = field(default_factory=dict)
    web_app: web.Application | None = None

    async def close(self) -> None:
        for close in reversed(self.closers):
            try:
                await close()
            except Exception:
                log.exception("closing a platform failed")


async def start_platforms(
    bot_app: App, settings: Settings, *, receive: bool = True, only: str | None = None
) -> Platforms:
    """Connect every configured platform (or ``only`` one). With ``receive=False`` just the ports, for posting."""
    platforms = Platforms()
    if settings.slack_configured and only in (None, "slack"):
        if receive:
            from adapters.slack.app import build_slack_bot
            from adapters.slack.server import connect_socket_mode, web_app

            slack = build_slack_bot(bot_app, settings)
            platforms.ports["slack"] = slack.port
            platforms.closers.append(slack.close)
            if settings.slack_app_token is not None:
                handler = await connect_socket_mode(slack, settings.slack_app_token.get_secret_value())
                platforms.closers.append(handler.close_async)
                platforms.checks["slack"] = handler.client.is_connected
            else:
                platforms.web_app = web_app(slack, with_healthz=False)

                async def http_ready() -> bool:
                    return True

                platforms.checks["slack"] = http_ready
        else:
            from adapters.slack.app import build_slack_port

            platforms.ports["slack"] = build_slack_port(bot_app, settings)
    if settings.discord_configured and only in (None, "discord"):
        from adapters.discord.runner import start_discord

        port, close = await start_discord(bot_app, settings, receive=receive)
        platforms.ports["discord"] = port
        platforms.closers.append(close)
        client = getattr(port, "client", None)

        async def discord_ready() -> bool:
            return bool(client is not None and client.is_ready() and not client.is_closed())

        platforms.checks["discord"] = discord_ready
    return platforms


async def run_everything(bot_app: App, settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Platforms and scheduler until SIGTERM/SIGINT (or ``stop``): then stop firing, let posts in flight finish,
    close connections."""
    from scheduler.facade import Scheduler

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    platforms = await start_platforms(bot_app, settings)
    app = platforms.web_app or web.Application()
    add_ops_routes(app, bot_app, platforms.checks)
    http = await serve(app, settings.http_host, settings.http_port)
    scheduler = Scheduler(bot_app.services, platforms.ports)
    scheduler.start()
    log.info("studybot running", extra={"platforms": ",".join(sorted(platforms.ports)), "port": settings.http_port})
    try:
        await stop.wait()
    finally:
        log.info("stopping: finishing posts in flight")
        await scheduler.shutdown()
        await http.cleanup()
        await platforms.close()


async def tick_once(bot_app: App, settings: Settings, at: datetime, platform: str | None) -> dict[str, int]:
    from scheduler.facade import tick

    platforms = await start_platforms(bot_app, settings, receive=False, only=platform)
    try:
        return await tick(bot_app.services, platforms.ports, at, platform=platform)
    finally:
        await platforms.close()
