"""Running the Discord client from settings until SIGINT or SIGTERM, then closing it cleanly.

``DISCORD_API_BASE`` and ``DISCORD_GATEWAY_URL`` point discord.py's REST and gateway connections elsewhere (a
proxy, a local fake): discord.py reads them from class attributes, patched here for the client's lifetime.
Resumes go to the ``resume_gateway_url`` the gateway announced in READY.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.client import build_client
from bot.bootstrap import App
from bot.ports import ChatPort
from bot.settings import Settings

log = logging.getLogger(__name__)


class TokenRejected(Exception):
    """Discord answered 401 to DISCORD_TOKEN."""


@contextmanager
def endpoints(settings: Settings) -> Iterator[None]:
    """discord.py's REST base and gateway URL from settings, restored afterwards."""
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = settings.discord_api_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


@asynccontextmanager
async def running(app: App, settings: Settings, **options: Any) -> AsyncIterator[tuple[Any, asyncio.Task]]:
    """A started client, once it is ready, and the task that runs it; closed on the way out. A failure of the
    connection (a payload discord.py cannot read, a rejected token) is raised, not left in the task."""
    if settings.discord_token is None:
        raise ValueError("DISCORD_TOKEN is not set")
    with endpoints(settings):
        client: Any = build_client(app, settings, **options)
        task = asyncio.create_task(client.start(settings.discord_token.get_secret_value()), name="discord")
        waiter = asyncio.create_task(client.studybot_ready.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        try:
            if task.done():
                _raise_from(task)
                raise ConnectionError("the Discord connection ended before it was ready")
            yield client, task
        finally:
            await client.close()
            await asyncio.wait({task}, timeout=10)
            if not task.done():
                task.cancel()
    if task.done() and not task.cancelled():
        _raise_from(task)


@asynccontextmanager
async def logged_in(app: App, settings: Settings, **options: Any) -> AsyncIterator[Any]:
    """A client logged in for REST calls only: no gateway connection, no command sync (posting from a one-off
    run such as ``studybot tick``)."""
    if settings.discord_token is None:
        raise ValueError("DISCORD_TOKEN is not set")
    with endpoints(settings):
        client: Any = build_client(app, settings, sync=False, **options)
        try:
            await client.login(settings.discord_token.get_secret_value())
        except discord.LoginFailure as exc:
            await client.close()
            raise TokenRejected(str(exc)) from None
        try:
            yield client
        finally:
            await client.close()


async def start_discord(
    app: App, settings: Settings, *, receive: bool = True, **options: Any
) -> tuple[ChatPort, Callable[[], Awaitable[None]]]:
    """For running beside other platforms and the scheduler: the port of a connected client (with
    ``receive=False``, of a client only logged in, for posting) and the coroutine function that closes it."""
    stack = AsyncExitStack()
    if receive:
        client, task = await stack.enter_async_context(running(app, settings, **options))
        task.add_done_callback(_log_end)
    else:
        client = await stack.enter_async_context(logged_in(app, settings, **options))
    return client.studybot_bridge.port, stack.aclose


def _log_end(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the Discord connection ended", exc_info=task.exception())


def _raise_from(task: asyncio.Task) -> None:
    error = task.exception()
    if isinstance(error, discord.LoginFailure):
        raise TokenRejected(str(error)) from None
    if error is not None:
        raise error


async def serve(app: App, settings: Settings, **options: Any) -> None:
    """Run until SIGINT/SIGTERM (or until the connection ends for good), then close."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with running(app, settings, **options) as (_client, task):
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if task.done():
                _raise_from(task)
        log.info("discord stopped")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
