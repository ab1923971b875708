"""The fake Slack Web API (tests/fakes/slack_fake.py) in a process of its own, for benchmark 4:
``python -m benchmarks.slack_fake_server``. Prints ``READY <port>``; serves until SIGTERM (at most an hour)."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from tests.fakes.slack_fake import FakeSlack

MAX_SECONDS = 3600.0


async def main() -> None:
    fake = await FakeSlack().start()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    print(f"READY {fake.port}", flush=True)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), MAX_SECONDS)
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
