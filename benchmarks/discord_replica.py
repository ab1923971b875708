"""A scheduler replica for the Discord exactly-once benchmark, driven line by line: each stdin line is an ISO
instant; the replica runs everything due at that instant (``scheduler.facade.tick``) through a Discord client
logged in for posting, and prints ``TICK`` and the counts as JSON. It prints ``READY`` once logged in.

    python -m benchmarks.discord_replica      (settings from the environment: DATABASE_URL, DISCORD_*)
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime


async def main() -> None:
    from adapters.discord.runner import start_discord
    from bot.bootstrap import bootstrap
    from bot.clock import ManualClock
    from bot.settings import Settings
    from scheduler.facade import tick

    settings = Settings()
    clock = ManualClock(datetime.fromisoformat("2026-01-01T00:00:00+00:00"))
    app = bootstrap(settings, clock=clock)
    port, close = await start_discord(app, settings, receive=False)
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
            if not line or line == "quit":
                break
            at = datetime.fromisoformat(line)
            clock.set(at)
            counts = await tick(app.services, {"discord": port}, at, platform="discord")
            print("TICK " + json.dumps({"at": line, **counts}), flush=True)
    finally:
        await close()
        app.close()


if __name__ == "__main__":
    asyncio.run(main())
