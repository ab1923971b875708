"""``studybot run`` (every configured platform and the scheduler in one asyncio loop) and ``studybot tick``."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web

from adapters.http_limits import METRICS_CONNECTIONS
from adapters.ops import add_ops_routes, metrics_app, serve
from adapters.supervise import describe
from bot.bootstrap import App
from bot.ports import ChatPort
from bot.settings import Settings

log = logging.getLogger(__name__)

Closer = Callable[[], Awaitable[None]]


#: How long a stop waits for the posts in flight: SIGTERM ends the process within 10 s in every state.
STOP_GRACE = 6.0
CLOSE_TIMEOUT = 2.0


@dataclass
class Platforms:
    """Ports to post through, readiness checks, the HTTP app to serve (if any), the tasks that connect (and keep
    connected) each platform, and what to close when stopping."""

    ports: dict[str, ChatPort] = field(default_factory=dict)
    closers: list[Closer] = field(default_factory=list)
    checks: dict[str, Callable[[], Awaitable[bool]]] = field(default_factory=dict)
    web_app: web.Application | None = None
    connecting: list[asyncio.Task] = field(default_factory=list)

    async def close(self) -> None:
        for close in reversed(self.closers):
            try:
                await asyncio.wait_for(close(), CLOSE_TIMEOUT)
            except Exception as exc:
                log.warning("closing a platform failed (%s)", describe(exc))


async def start_platforms(
    bot_app: App, settings: Settings, *, receive: bool = True, only: str | None = None
) -> Platforms:
    """Every configured platform (or ``only`` one), connecting in background tasks (``connecting``): this returns
    before any platform is reachable. With ``receive=False`` just the ports, for posting."""
    platforms = Platforms()
    if settings.slack_configured and only in (None, "slack"):
        if receive:
            from adapters.slack.app import build_slack_bot
            from adapters.slack.server import socket_mode_handler, web_app

            slack = build_slack_bot(bot_app, settings)
            platforms.ports["slack"] = slack.port
            platforms.closers.append(slack.close)
            if settings.slack_app_token is not None:
                handler = socket_mode_handler(slack, settings.slack_app_token.get_secret_value())
                platforms.connecting.append(asyncio.create_task(handler.connect_async(), name="slack"))
                platforms.closers.append(handler.close_async)
                platforms.checks["slack"] = handler.ready
            else:
                platforms.web_app = web_app(slack, with_healthz=False)

                async def http_ready() -> bool:
                    return True

                platforms.checks["slack"] = http_ready
        else:
            from adapters.slack.app import build_slack_port

            platforms.ports["slack"] = build_slack_port(bot_app, settings)
    if settings.discord_configured and only in (None, "discord"):
        if receive:
            from adapters.discord.runner import supervised

            connection = supervised(bot_app, settings)
            platforms.ports["discord"] = connection.port
            platforms.connecting.append(connection.task)
            platforms.closers.append(connection.close)
            platforms.checks["discord"] = connection.ready
        else:
            from adapters.discord.runner import start_discord

            port, close = await start_discord(bot_app, settings, receive=False)
            platforms.ports["discord"] = port
            platforms.closers.append(close)
    return platforms


async def run_everything(bot_app: App, settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Platforms and scheduler until SIGTERM/SIGINT (or ``stop``): then stop firing, let posts in flight finish
    (up to :data:`STOP_GRACE`), close connections. The HTTP port (``/healthz``, ``/readyz``) is up from the start,
    whether or not the platforms can be reached. A platform that can never work (a rejected token) ends the run
    with its error."""
    from scheduler.facade import Scheduler

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    platforms = await start_platforms(bot_app, settings)
    scheduler = None
    servers: list[web.AppRunner] = []
    try:
        app = platforms.web_app or web.Application()
        add_ops_routes(app, bot_app, platforms.checks)
        servers.append(await serve(
            app, settings.http_host, settings.http_port, idle_timeout=settings.http_idle_timeout,
            request_timeout=settings.http_request_timeout, max_connections=settings.http_max_connections,
        ))
        if settings.metrics_port:
            try:
                servers.append(await serve(metrics_app(bot_app), settings.metrics_host, settings.metrics_port,
                                           max_connections=METRICS_CONNECTIONS, backlog=METRICS_CONNECTIONS))
            except OSError as exc:  # the port is taken: run without metrics rather than not at all
                log.error("cannot serve /metrics on %s:%d (%s)", settings.metrics_host, settings.metrics_port, exc)
        scheduler = Scheduler(bot_app.services, platforms.ports)
        scheduler.start()
        log.info("studybot running",
                 extra={"platforms": ",".join(sorted(platforms.ports)), "port": settings.http_port})
        stopper = asyncio.create_task(stop.wait())
        waiting = {stopper, *platforms.connecting}
        while not stop.is_set():
            done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in done - {stopper}:
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        stopper.cancel()
    finally:
        log.info("stopping: finishing posts in flight")
        for task in platforms.connecting:
            task.cancel()
        if scheduler is not None:
            await scheduler.shutdown(timeout=STOP_GRACE)
        for server in servers:
            await server.cleanup()
        await platforms.close()


async def tick_once(bot_app: App, settings: Settings, at: datetime, platform: str | None) -> dict[str, int]:
    from scheduler.facade import tick

    platforms = await start_platforms(bot_app, settings, receive=False, only=platform)
    try:
        return await tick(bot_app.services, platforms.ports, at, platform=platform)
    finally:
        await platforms.close()
