"""Event loops in worker threads that run the core, so that the loop serving HTTP only acknowledges.

The core's database work is synchronous; run on the loop that answers Slack, it would hold back every ack behind
it. Slack wants an ack within 3 seconds whatever the load, so listeners ack on the serving loop and hand the
work to one of these loops.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any

log = logging.getLogger(__name__)


class CoreWorkers:
    def __init__(self, count: int = 4, name: str = "core-worker"):
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._threads: list[threading.Thread] = []
        for n in range(count):
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=self._run, args=(loop,), name=f"{name}-{n}", daemon=True)
            thread.start()
            self._loops.append(loop)
            self._threads.append(thread)
        self._next = itertools.cycle(range(count))
        self._pending: set[Future[Any]] = set()

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        loop.run_forever()

    def submit(self, coroutine: Coroutine[Any, Any, Any]) -> Future[Any]:
        """Run ``coroutine`` on a worker loop; failures are logged (the core answers users itself)."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loops[next(self._next)])
        self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[Any]) -> None:
        self._pending.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.error("event handling failed", exc_info=future.exception())

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for the work handed over so far (graceful shutdown)."""
        pending = [asyncio.wrap_future(f) for f in list(self._pending)]
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    async def on_every_loop(self, make: Callable[[], Coroutine[Any, Any, Any]], timeout: float = 5.0) -> None:
        """Run ``make()`` on each worker loop (closing what each loop opened) and wait, at most ``timeout``."""
        futures = [asyncio.wrap_future(asyncio.run_coroutine_threadsafe(make(), loop)) for loop in self._loops]
        await asyncio.wait(futures, timeout=timeout)

    def stop(self) -> None:
        for loop in self._loops:
            loop.call_soon_threadsafe(loop.stop)
        for thread in self._threads:
            thread.join(timeout=5)
