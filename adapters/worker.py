"""Event loops in worker threads that run the core, so that the loop serving HTTP only acknowledges.

The core's database work is synchronous; run on the loop that answers Slack, it would hold back every ack behind
it. Slack wants an ack within 3 seconds whatever the load, so listeners ack on the serving loop and hand the
work to one of these loops. The work waiting is bounded (``max_pending``): past it, new events are dropped (and
counted) instead of piling up in memory during a flood.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any

log = logging.getLogger(__name__)

#: Events handed over and not finished, across all loops, beyond which new ones are dropped.
MAX_PENDING = 2_000
#: At most one "dropped" warning per this many seconds (with the count since the last one).
DROP_LOG_SECONDS = 10.0


class CoreWorkers:
    def __init__(
        self,
        count: int = 4,
        name: str = "core-worker",
        *,
        max_pending: int = MAX_PENDING,
        on_drop: Callable[[], None] | None = None,
    ):
        self.max_pending = max_pending
        self.dropped = 0
        self._on_drop = on_drop
        self._unlogged = 0
        self._logged_at = 0.0
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

    @property
    def pending(self) -> int:
        return len(self._pending)

    def submit(self, coroutine: Coroutine[Any, Any, Any]) -> Future[Any] | None:
        """Run ``coroutine`` on a worker loop; failures are logged (the core answers users itself). None, and the
        coroutine closed unrun, when ``max_pending`` events are waiting already."""
        if len(self._pending) >= self.max_pending:
            coroutine.close()
            self._drop()
            return None
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loops[next(self._next)])
        self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _drop(self) -> None:
        self.dropped += 1
        self._unlogged += 1
        if self._on_drop is not None:
            self._on_drop()
        now = time.monotonic()
        if now - self._logged_at >= DROP_LOG_SECONDS:
            log.warning("work queue full: events dropped", extra={"dropped": self._unlogged, "pending": self.pending})
            self._logged_at, self._unlogged = now, 0

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
