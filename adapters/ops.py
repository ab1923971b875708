"""The operations endpoints: ``/healthz`` (alive) and ``/readyz`` (database and platforms) on the public HTTP port,
which they share with Slack's HTTP mode when that runs; ``/metrics`` on its own port, on 127.0.0.1 by default.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from adapters.http_limits import (
    ACCEPT_BACKLOG,
    RESERVED_FILES,
    ConnectionGuard,
    GuardedSite,
    quiet_accept_errors,
    raise_open_files_limit,
)
from bot.bootstrap import App

log = logging.getLogger(__name__)

ReadyCheck = Callable[[], Awaitable[bool]]
CHECK_TIMEOUT = 3.0
#: At a stop, how long requests being answered may take before their connections are closed.
SHUTDOWN_TIMEOUT = 2.0


async def database_ready(bot_app: App) -> bool:
    def ping() -> bool:
        with bot_app.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True

    try:
        return await asyncio.to_thread(ping)
    except Exception:
        bot_app.services.metrics.database_errors.labels("readyz").inc()
        log.warning("database not reachable", exc_info=True)
        return False


def add_ops_routes(web_app: web.Application, bot_app: App, checks: Mapping[str, ReadyCheck]) -> None:
    async def healthz(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(_request: web.Request) -> web.Response:
        results: dict[str, bool] = {"database": await database_ready(bot_app)}
        for name, check in checks.items():
            try:
                results[name] = bool(await asyncio.wait_for(check(), CHECK_TIMEOUT))
            except Exception:
                results[name] = False
        ready = all(results.values())
        answer: dict[str, object] = {"ready": ready, "checks": results}
        if not ready:
            answer["down"] = sorted(name for name, ok in results.items() if not ok)
        body = json.dumps(answer)
        return web.Response(text=body, status=200 if ready else 503, content_type="application/json")

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)


def metrics_app(bot_app: App) -> web.Application:
    """``/metrics`` in Prometheus' text format, for its own port (not the public one)."""

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(body=bot_app.services.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    web_app = web.Application()
    web_app.router.add_get("/metrics", metrics)
    return web_app


def open_files() -> int:
    """How many files the process has open now (database, sockets, event loops...): the cap leaves them room."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:  # no /proc (not Linux): the reserve alone
        return 0


async def serve(
    web_app: web.Application,
    host: str,
    port: int,
    *,
    idle_timeout: float = 30.0,
    request_timeout: float = 30.0,
    max_connections: int = 1000,
    backlog: int = ACCEPT_BACKLOG,
) -> web.AppRunner:
    """Serve ``web_app`` with the limits of :mod:`adapters.http_limits` (the cap stays below the open-files
    limit, raised to the hard limit first)."""
    files = raise_open_files_limit()
    cap = max(8, min(max_connections, files - open_files() - RESERVED_FILES - backlog))
    guard = ConnectionGuard(max_connections=cap, request_timeout=request_timeout)
    web_app.middlewares.append(guard.middleware)
    quiet_accept_errors(asyncio.get_running_loop())
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT, keepalive_timeout=idle_timeout)
    await runner.setup()
    await GuardedSite(runner, host, port, guard, backlog=backlog).start()
    log.info("http server listening", extra={"host": host, "port": port, "max_connections": cap})
    return runner
