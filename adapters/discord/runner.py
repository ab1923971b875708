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
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.client import build_client
from adapters.supervise import Backoff, Link, describe, network_error, quiet_network_tracebacks, wait_to_retry
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
    """The port of a connected client (with ``receive=False``, of a client only logged in, for posting) and the
    coroutine function that closes it."""
    stack = AsyncExitStack()
    if receive:
        client, task = await stack.enter_async_context(running(app, settings, **options))
        task.add_done_callback(_log_end)
    else:
        client = await stack.enter_async_context(logged_in(app, settings, **options))
    return client.studybot_bridge.port, stack.aclose


#: Loggers of discord.py that log a traceback for a dropped connection before reconnecting.
DISCORD_LOGGERS = ("discord.client", "discord.shard", "discord.gateway")
#: Errors of discord.py that mean "Discord is unreachable or dropped us", retried like network errors.
GATEWAY_ERRORS = (discord.HTTPException, discord.GatewayNotFound, discord.ConnectionClosed)


async def supervise(client: Any, token: str) -> None:
    """Log in and stay connected until cancelled. A network error is one warning line and a retry with capped
    exponential backoff; a crash (a payload discord.py cannot parse) is logged once, then the client reconnects
    the same way. ``client.studybot_link`` says whether it is connected. A rejected token ends it
    (:class:`TokenRejected`)."""
    quiet_network_tracebacks(*DISCORD_LOGGERS)
    link: Link = client.studybot_link
    backoff = Backoff()
    while True:
        ups = link.ups
        try:
            await client.login(token)
            # discord.py's own reconnect loop logs tracebacks, backs off up to 17 minutes and fails when the very
            # first connection does: this loop does the retrying instead (op 7 reconnects and resumes still work).
            await client.connect(reconnect=False)
            raise ConnectionError("Discord closed the connection")
        except discord.LoginFailure as exc:
            link.down("token rejected")
            raise TokenRejected(str(exc)) from None
        except discord.PrivilegedIntentsRequired:
            link.down("privileged intents required")
            raise
        except Exception as exc:
            if link.ups != ups:  # it was connected in between: start the delays again from the shortest
                backoff.reset()
            await _reopen(client)
            if network_error(exc) or isinstance(exc, GATEWAY_ERRORS):
                await wait_to_retry(log, link, "connecting to Discord", exc, backoff)
            else:
                delay = backoff.delay()
                link.down(f"crashed: {describe(exc)}")
                log.error("the Discord connection crashed (%s); reconnecting in %.0f s", describe(exc), delay,
                          exc_info=exc, extra={"platform": "discord"})
                await asyncio.sleep(delay)


async def _reopen(client: Any) -> None:
    """Close the client and make it usable again, as discord.py's ``clear`` intends: fresh state, bound to the
    running loop, a new HTTP connection pool (``close`` closed the old one)."""
    client.studybot_link.down("disconnected")
    try:
        await asyncio.wait_for(client.close(), timeout=5)
    except Exception as exc:  # the socket is broken already
        log.debug("closing the Discord client failed (%s)", describe(exc))
    client.clear()
    await client._async_setup_hook()
    client.http.connector = discord.utils.MISSING


@dataclass
class DiscordConnection:
    """A client kept connected by :func:`supervise` in ``task``, for ``studybot run`` and ``studybot discord``."""

    client: Any
    task: asyncio.Task
    endpoints: ExitStack

    @property
    def port(self) -> ChatPort:
        return self.client.studybot_bridge.port

    @property
    def link(self) -> Link:
        return self.client.studybot_link

    async def ready(self) -> bool:
        return self.link.connected and not self.client.is_closed()

    async def close(self) -> None:
        """Stop connecting (or serving) and close the client; bounded, whatever state it is in."""
        self.task.cancel()
        await asyncio.wait({self.task}, timeout=5)
        try:
            await asyncio.wait_for(self.client.close(), timeout=5)
        except Exception as exc:  # TimeoutError included
            log.warning("closing the Discord client did not finish (%s)", describe(exc))
        finally:
            self.link.down("stopped")
            self.endpoints.close()


def supervised(app: App, settings: Settings, **options: Any) -> DiscordConnection:
    """Start connecting in the background (see :func:`supervise`); returns at once."""
    if settings.discord_token is None:
        raise ValueError("DISCORD_TOKEN is not set")
    stack = ExitStack()
    stack.enter_context(endpoints(settings))
    client: Any = build_client(app, settings, **options)
    task = asyncio.create_task(supervise(client, settings.discord_token.get_secret_value()), name="discord")
    return DiscordConnection(client, task, stack)


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
    """Run until SIGINT/SIGTERM, reconnecting whenever the connection fails, then close. A rejected token ends it
    (:class:`TokenRejected`)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    connection = supervised(app, settings, **options)
    try:
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({connection.task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if connection.task.done() and not connection.task.cancelled():
            connection.task.result()
    finally:
        await connection.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    log.info("discord stopped")
