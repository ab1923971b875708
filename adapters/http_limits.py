"""Keeping the HTTP port answering under a flood of idle or slow connections.

- connections idle for ``idle_timeout`` (including ones that never send a whole request) are closed;
- a request taking longer than ``request_timeout`` (a body trickling in) gets 408 and its connection closed;
- at most ``max_connections`` are open: a new one closes the oldest idle one, or is refused with 503 when all
  are busy (or it came in a burst larger than the cap), so ``/healthz`` and Slack's requests still get through;
- the soft open-files limit is raised to the hard limit at start, and the cap kept below it with room for a
  whole round of accept() calls;
- ``accept()`` failures (out of file descriptors) are logged at most once per ``ERROR_LOG_INTERVAL``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

#: Connections the metrics port takes at most, and accepts in one round: a scraper needs few.
METRICS_CONNECTIONS = 16
#: File descriptors kept free for the database, the platforms' connections and logs, and for the metrics port.
RESERVED_FILES = 64 + 2 * METRICS_CONNECTIONS
#: How many connections asyncio may accept in one round, before it makes a protocol for any of them (it is the
#: listen backlog): the cap keeps room for a whole round, so accept() never runs out of file descriptors.
ACCEPT_BACKLOG = 128
ERROR_LOG_INTERVAL = 10.0
REFUSAL = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def raise_open_files_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit (systemd's default soft limit is 1,024); the new soft limit."""
    try:
        import resource
    except ImportError:  # not on this platform
        return 1 << 16
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            log.info("open files limit raised", extra={"from": soft, "to": hard})
            soft = hard
        except (ValueError, OSError) as exc:
            log.warning("cannot raise the open files limit (%s)", exc, extra={"soft": soft, "hard": hard})
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


@dataclass
class ConnectionGuard:
    """Tracks which connections are answering a request, and makes room for new ones."""

    max_connections: int
    request_timeout: float
    busy: Counter = field(default_factory=Counter)
    evicted: int = 0
    refused: int = 0
    #: Connections accepted in this round whose protocols asyncio has not connected yet: it accepts a whole burst
    #: before it connects any of them, so ``server.connections`` does not list them.
    starting: int = 0

    def make_room(self, server: web.Server) -> bool:
        """Close the oldest idle connections if the cap is reached; False when every connection is busy."""
        live = [handler for handler in server.connections if handler.transport is not None]  # not closing
        excess = len(live) + self.starting - self.max_connections + 1
        for handler in live:  # oldest first
            if excess <= 0:
                break
            if not self.busy[handler]:
                handler.force_close()
                self.evicted += 1
                excess -= 1
        return excess <= 0

    def admit(self, server: web.Server, loop: asyncio.AbstractEventLoop) -> asyncio.Protocol:
        """The protocol for a connection just accepted: the server's, once there is room, or a 503 refusal."""
        if not self.make_room(server):
            self.refused += 1
            return _Refused()
        self.starting += 1
        loop.call_soon(self._started)  # runs just before asyncio connects the protocol made here
        return server()

    def _started(self) -> None:
        self.starting -= 1

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        protocol = request.protocol
        self.busy[protocol] += 1
        try:
            async with asyncio.timeout(self.request_timeout):
                return await handler(request)
        except TimeoutError:
            log.warning("request took longer than %.0f s: connection closed", self.request_timeout,
                        extra={"path": request.path})
            return web.Response(status=408, headers={"Connection": "close"})
        finally:
            self.busy[protocol] -= 1
            if not self.busy[protocol]:
                del self.busy[protocol]


class _Refused(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(REFUSAL)
        transport.close()


class GuardedSite(web.TCPSite):
    """A TCP site whose new connections go through :meth:`ConnectionGuard.make_room`."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, guard: ConnectionGuard, **kwargs: Any):
        super().__init__(runner, host, port, **kwargs)
        self._guard = guard

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with its runner
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: self._guard.admit(server, loop), self._host, self._port, backlog=self._backlog,
            reuse_address=self._reuse_address,
        )
        self._bound_port = self._server.sockets[0].getsockname()[1] if self._server.sockets else self._port


def quiet_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Log ``accept()`` failures (EMFILE and the like) at most once per interval, with how many were skipped;
    every other loop error goes to the handler that was there."""
    previous = loop.get_exception_handler()
    state = {"last": 0.0, "skipped": 0}

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message", ""))
        if "accept" in message and isinstance(context.get("exception"), OSError):
            now = time.monotonic()
            if now - state["last"] < ERROR_LOG_INTERVAL:
                state["skipped"] += 1
                return
            log.error("cannot accept connections: %s (%s)", message, context["exception"],
                      extra={"skipped_since_last": state["skipped"]})
            state["last"], state["skipped"] = now, 0
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
