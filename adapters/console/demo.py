"""``studybot demo``: a study group of four in two teams over ten question days, on a temporary database."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from adapters.console.session import ConsoleSession
from bot.bootstrap import bootstrap
from bot.clock import ManualClock
from bot.settings import Settings

#: A Monday morning in Berlin; the ten days cross the switch to summer time on 29 March.
DEMO_START = datetime(2026, 3, 23, 6, 0, tzinfo=UTC)
DEMO_DAYS = 10
DAVE_MISSES = (6, 7)  # dave skips two question days: his streak breaks, then he builds it again

SETUP = [
    "/studybot schedule 09:00 Europe/Berlin daily",
    "/team create Owls",
    ":as bob",
    "/team join Owls",
    ":as carol",
    "/team create Larks",
    ":as dave",
    "/team join Larks",
]


def day_script(day: int) -> list[str]:
    # self-grade buttons: [1] I didn't (again)  [2] Hard  [3] I knew it (good)  [4] Easy
    lines = [":as alice", ":next-day", ":as bob", ":click 2", ":click 1", ":as carol", ":react 👀", ":click 3"]
    if day not in DAVE_MISSES:
        lines += [":as dave", ":react eyes"]
    lines += [":as alice", ":react 👀", ":click 1" if day % 3 == 0 else ":click 3"]
    if day == 6:
        lines += [":as carol", "/quiz 2", ":click 2", ":click 1", ":click 3", ":click 1"]
    return lines


FINALE = [
    ":as dave",
    "/streak",
    ":as alice",
    "/streak @carol",
    "/leaderboard users all",
    "/leaderboard teams all",
    "/team list",
]


async def run_demo(console: Console) -> None:
    with tempfile.TemporaryDirectory(prefix="studybot-demo-") as tmp:
        settings = Settings(
            database_url=f"sqlite:///{Path(tmp) / 'demo.db'}",
            default_deck="mlops-interview",
            default_language="en",
            selection_seed="demo",
        )
        clock = ManualClock(DEMO_START)
        app = bootstrap(settings, clock=clock, rng=random.Random(7))
        try:
            session = ConsoleSession(app, console, clock, body_limit=220)
            console.rule("studybot demo: four members, two teams, ten question days")
            for line in SETUP:
                await session.run_line(line)
            for day in range(1, DEMO_DAYS + 1):
                console.rule(f"question day {day}")
                for line in day_script(day):
                    await session.run_line(line)
            console.rule("after ten question days")
            for line in FINALE:
                await session.run_line(line)
        finally:
            app.close()
