"""The fake Slack Web API (fakes/slack_fake.py) in a process of its own, for benchmark 4:
``python -m benchmarks.slack_fake_server``. Prints ``READY <port>``; serves until SIGTERM (at most an hour)."""

from __future__ import annotations

import asyncio

from benchmarks.serving import serve_until_stopped
from fakes.slack_fake import FakeSlack


async def main() -> None:
    fake = await FakeSlack().start()
    await serve_until_stopped(str(fake.port))
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
