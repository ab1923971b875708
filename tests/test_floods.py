"""Floods: a burst of commands from one member is mostly refused politely, teams per workspace are capped, the
work waiting and the limiter's table stay bounded, and a reply the platform does not take is logged with its
workspace and channel while the member gets an apology. Over real HTTP to Bolt where Slack is involved."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
import tracemalloc

import pytest
from sqlmodel import func, select

from adapters.worker import CoreWorkers
from bot.bootstrap import App
from bot.events import CommandInvoked, Origin
from bot.messages import Kind
from bot.ratelimit import BURST, PER_SECOND, MemberLimiter
from bot.services import teams
from bot.storage.models import Team
from tests.slack_helpers import block_text
from tests.test_reliability import Recorder
from tests.test_slack_e2e import Rig, rig  # noqa: F401  (the fixture)

pytestmark = pytest.mark.timeout(120)
SLOW_DOWN = "Slow down a little"


async def test_a_burst_of_team_create_from_one_member_is_mostly_refused_politely(rig: Rig) -> None:  # noqa: F811
    burst = 150
    started = time.monotonic()
    sem = asyncio.Semaphore(25)

    async def one(n: int) -> int:
        async with sem:
            status, _ = await rig.slack.command(f"/team create Flood{n:03d}", user="UFLOOD")
            return status

    statuses = await asyncio.gather(*(one(n) for n in range(burst)))
    assert set(statuses) == {200}  # every request acknowledged in time
    deadline = time.monotonic() + 60
    while rig.bot.workers.pending and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert rig.bot.workers.pending == 0
    elapsed = time.monotonic() - started
    with rig.app.db.transaction() as s:
        created = s.exec(select(func.count()).select_from(Team)).one()
    assert 1 <= created <= BURST + elapsed * PER_SECOND + 1  # the rest refused
    texts = [block_text(body.get("blocks") or []) + body.get("text", "") for _, body in rig.fake.responses]
    slow = [t for t in texts if SLOW_DOWN in t]
    assert 1 <= len(slow) <= 1 + elapsed * PER_SECOND  # one "slow down" per streak, not one per command
    assert all("created" in t or SLOW_DOWN in t for t in texts), texts
    assert len(texts) < burst / 3  # the flood is not answered with a flood
    # another member is not held back by the flood
    reply = await rig.run_command("/team create Calm", user="UCALM")
    assert "created" in block_text(reply["blocks"])


async def test_slow_down_speaks_the_channel_language(app: App) -> None:
    port = Recorder()
    admin = Origin("slack", "T1", "C1", "admin", is_admin=True)
    await app.core.handle(CommandInvoked(admin, "studybot", "language pt"), port)
    origin = Origin("slack", "T1", "C1", "fast")
    for _ in range(BURST + 3):
        await app.core.handle(CommandInvoked(origin, "streak", ""), port)
    slow = [m for m in port.replies if m.kind == Kind.ERROR]
    assert len(slow) == 1 and "Mais devagar" in slow[0].body


async def test_on_discord_every_refused_interaction_is_answered(app: App) -> None:
    """An unanswered Discord interaction shows as failed: there, each refusal gets the short "slow down"."""
    port = Recorder()
    origin = Origin("discord", "G1", "C1", "fast")
    for _ in range(BURST + 5):
        await app.core.handle(CommandInvoked(origin, "streak", ""), port)
    assert len(port.replies) == BURST + 5
    assert sum(SLOW_DOWN in m.body for m in port.replies) == 5


async def test_teams_per_workspace_are_capped(app: App) -> None:
    port = Recorder()
    for n in range(teams.MAX_TEAMS + 3):
        origin = Origin("console", "local", "general", f"m{n}")
        await app.core.handle(CommandInvoked(origin, "team", f"create Squad {n:04d}"), port)
    with app.db.transaction() as s:
        assert s.exec(select(func.count()).select_from(Team)).one() == teams.MAX_TEAMS
    refused = [m for m in port.replies if m.kind == Kind.ERROR]
    assert len(refused) == 3 and all(f"has {teams.MAX_TEAMS} teams" in m.body for m in refused)


def test_limiter_table_and_work_queue_stay_bounded() -> None:
    tracemalloc.start()
    limiter = MemberLimiter(max_members=1_000)
    for n in range(50_000):
        limiter.check("slack", "T1", f"U{n}")
    assert len(limiter) == 1_000
    release = threading.Event()
    workers = CoreWorkers(2, max_pending=100)
    accepted: list = []
    try:

        async def stuck(payload: bytes) -> None:
            await asyncio.get_running_loop().run_in_executor(None, release.wait)

        accepted = [workers.submit(stuck(b"x" * 10_000)) for _ in range(5_000)]
        assert sum(f is not None for f in accepted) == 100
        assert workers.pending == 100 and workers.dropped == 4_900
        _, peak = tracemalloc.get_traced_memory()
        assert peak < 20 * 1024 * 1024, peak  # 5,000 events of 10 kB each would be 50 MB held
    finally:
        release.set()
        tracemalloc.stop()
        concurrent.futures.wait([f for f in accepted if f is not None], timeout=30)
        workers.stop()


async def test_a_reply_the_platform_drops_is_logged_with_context_and_apologised_for(
    rig: Rig, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    rig.fake.drop_responses = 1  # the first answer's connection dies
    before = len(rig.fake.responses)
    with caplog.at_level(logging.WARNING):
        status, _ = await rig.slack.command("/team list", team="T1", channel="C7")
        assert status == 200
        apology = await rig.response_after(before)
    assert "could not send my whole answer" in block_text(apology["blocks"])
    failed = [r for r in caplog.records if r.getMessage() == "reply failed"]
    assert failed and failed[0].tenant == "T1" and failed[0].channel == "C7" and failed[0].platform == "slack"
    assert "event handling failed" not in caplog.text  # handled, not escaped to the worker
    assert rig.app.services.metrics.value("studybot_reply_failures_total", platform="slack") == 1
