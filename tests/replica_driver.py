"""A scheduler replica driven line by line, for the multi-replica tests: each stdin line is an ISO instant; the
replica runs everything due at that instant (``scheduler.facade.tick``) and prints the counts as one JSON line.

    python -m tests.replica_driver      (settings from the environment: DATABASE_URL, SLACK_*)
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime


async def main() -> None:
    from adapters.slack.app import build_slack_port
    from bot.bootstrap import bootstrap
    from bot.clock import ManualClock
    from bot.settings import Settings
    from scheduler.facade import tick

    settings = Settings()
    clock = ManualClock(datetime.fromisoformat("2026-01-01T00:00:00+00:00"))
    app = bootstrap(settings, clock=clock)
    port = build_slack_port(app, settings)
    print(json.dumps({"ready": True}), flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if not line or line == "quit":
            break
        at = datetime.fromisoformat(line)
        clock.set(at)
        counts = await tick(app.services, {"slack": port}, at)
        print(json.dumps({"at": line, **counts}), flush=True)
    app.close()


if __name__ == "__main__":
    asyncio.run(main())
