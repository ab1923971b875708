"""Two replicas on one PostgreSQL database, 100 channels, 30 simulated days, one replica killed in the middle of a
fan-out: every daily question goes out exactly once and none is missed. Also: PostgreSQL restarted mid-run, and a
crash between sending a post and recording it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from adapters.slack.app import build_slack_port
from bot.clock import ManualClock
from bot.ports import ChannelRef
from bot.posts.daily import CLAIM_LEASE, post_daily
from bot.services import posting
from bot.settings import Settings
from bot.storage.models import Channel, DailyPost
from fakes.slack_fake import FakeSlack
from scheduler.facade import tick
from tests.conftest import PG_URL, make_app
from tests.test_scheduler import enable_slack_channels

ROOT = Path(__file__).resolve().parents[1]
needs_pg = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set STUDYBOT_TEST_DATABASE_URL")
pytestmark = pytest.mark.timeout(600)
DAY_RE = re.compile(r"Question of the day · (\d{4}-\d{2}-\d{2})")


def slack_env(database_url: str, fake: FakeSlack) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STUDYBOT_", "DATABASE_URL", "SLACK_", "DISCORD_"))}
    return {
        **env,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-T1-token",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": fake.api_url,
        "STUDYBOT_LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT),
    }


class Replica:
    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc

    @classmethod
    async def start(cls, env: dict[str, str]) -> Replica:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.replica_driver",
            env=env,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        replica = cls(proc)
        assert (await replica.read())["ready"]
        return replica

    async def read(self) -> dict:
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout=120)  # type: ignore[union-attr]
        assert line, "the replica ended"
        return json.loads(line)

    async def tick(self, at: datetime) -> dict:
        self.proc.stdin.write(f"{at.isoformat()}\n".encode())  # type: ignore[union-attr]
        await self.proc.stdin.drain()  # type: ignore[union-attr]
        return await self.read()

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


def posted_per_channel_and_day(fake: FakeSlack) -> Counter:
    return Counter(
        (c.args["channel"], DAY_RE.search(c.args.get("text", "")).group(1))  # type: ignore[union-attr]
        for c in fake.of("chat.postMessage")
        if DAY_RE.search(c.args.get("text", ""))
    )


@needs_pg
async def test_two_replicas_100_channels_30_days_one_killed(database_url: str, clock: ManualClock) -> None:
    fake = await FakeSlack(delay=0.002, ignore_oldest=True).start()
    app = make_app(
        database_url, clock, slack_bot_token="xoxb-T1-token", slack_signing_secret="s", slack_api_url=fake.api_url
    )
    channels = [f"C{i:03d}" for i in range(100)]
    replicas: list[Replica] = []
    try:
        await enable_slack_channels(app, channels)
        with app.db.transaction() as s:  # weekly leaderboards would add posts of their own: not what is counted
            for channel in s.exec(select(Channel)).all():
                channel.weekly_day = "off"
                s.add(channel)
        env = slack_env(database_url, fake)
        replicas = [await Replica.start(env), await Replica.start(env)]
        alive = list(replicas)
        first = date(2026, 3, 2)
        kill_day = 10
        for n in range(30):
            day = datetime.combine(first + timedelta(days=n), datetime.min.time(), tzinfo=UTC)
            for at in (
                day + timedelta(hours=9, seconds=30),
                day + timedelta(hours=9) + CLAIM_LEASE + timedelta(minutes=2),
            ):
                if n == kill_day and len(alive) == 2 and at.minute == 0:
                    # kill the second replica in the middle of its fan-out: some claims taken, some sent
                    before = len(fake.of("chat.postMessage"))
                    victim = alive[1]
                    victim.proc.stdin.write(f"{at.isoformat()}\n".encode())  # type: ignore[union-attr]
                    await victim.proc.stdin.drain()  # type: ignore[union-attr]
                    task = asyncio.create_task(alive[0].tick(at))
                    while len(fake.of("chat.postMessage")) < before + 30:
                        await asyncio.sleep(0.005)
                    victim.proc.send_signal(signal.SIGKILL)
                    await victim.proc.wait()
                    alive = alive[:1]
                    await task
                    continue
                await asyncio.gather(*(r.tick(at) for r in alive))
        counts = posted_per_channel_and_day(fake)
        expected = {(c, (first + timedelta(days=n)).isoformat()) for c in channels for n in range(30)}
        assert set(counts) == expected  # none missed
        assert [k for k, v in counts.items() if v != 1] == []  # none doubled
        with app.db.transaction() as s:
            statuses = Counter(p.status for p in s.exec(select(DailyPost)).all())
        assert statuses == {"sent": 3000}
    finally:
        for replica in replicas:
            await replica.stop()
        app.close()
        await fake.stop()


async def test_crash_between_send_and_record_is_recovered_not_reposted(database_url: str, clock: ManualClock) -> None:
    fake = await FakeSlack(ignore_oldest=True).start()
    overrides = {"slack_bot_token": "xoxb-T1-token", "slack_signing_secret": "s", "slack_api_url": fake.api_url}
    app = make_app(database_url, clock, **overrides)
    try:
        await enable_slack_channels(app, ["C1"])
        port = build_slack_port(app, Settings(database_url=database_url, **overrides))  # type: ignore[arg-type]
        at = datetime(2026, 3, 3, 9, 0, 5, tzinfo=UTC)
        clock.set(at)
        with app.db.transaction() as s:  # the claim, as the process that died took it
            channel = s.exec(select(Channel)).one()
            post = posting.claim(s, channel, at.date(), app.services.catalog, app.services.seed, at).post
        from bot.messages import Kind, Message

        # ...and the message it sent just before dying, with the post's key
        await port.post(
            ChannelRef("slack", "T1", "C1"),
            Message(Kind.QUESTION, title="Question of the day"),
            key=f"studybot-post-{post.id}",
        )
        clock.set(at + CLAIM_LEASE + timedelta(minutes=1))
        result = await post_daily(app.services, port, channel.id, at.date(), scheduled=True)
        assert result.status == "posted" and result.post is not None and result.post.status == "sent"
        assert len(fake.of("chat.postMessage")) == 1  # found through conversations.history, not posted again
        assert fake.of("conversations.history")
    finally:
        app.close()
        await fake.stop()


def _pg_cluster() -> tuple[str, str] | None:
    if shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir():
        return None
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    return (versions[-1], "main") if versions else None


@needs_pg
@pytest.mark.skipif(_pg_cluster() is None, reason="needs a local PostgreSQL cluster managed by pg_ctlcluster")
async def test_postgresql_restarted_mid_run(database_url: str, clock: ManualClock) -> None:
    """The server restarts between two fan-outs: ticks during the outage fail cleanly (nothing half-written), and
    the bot carries on with fresh connections once it is back."""
    version, name = _pg_cluster()  # type: ignore[misc]
    fake = await FakeSlack(ignore_oldest=True).start()
    overrides = {"slack_bot_token": "xoxb-T1-token", "slack_signing_secret": "s", "slack_api_url": fake.api_url}
    app = make_app(database_url, clock, **overrides)
    try:
        channels = [f"C{i:02d}" for i in range(20)]
        await enable_slack_channels(app, channels)
        port = build_slack_port(app, Settings(database_url=database_url, **overrides))  # type: ignore[arg-type]
        day1 = datetime(2026, 3, 3, 9, 1, tzinfo=UTC)
        clock.set(day1)
        assert await tick(app.services, {"slack": port}, day1) == {"posted": 20}
        ctl = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name]
        subprocess.run([*ctl, "stop", "--mode", "fast"], check=True, capture_output=True, timeout=60)
        try:
            day2 = day1 + timedelta(days=1)
            clock.set(day2)
            with pytest.raises(Exception):  # noqa: B017 (any driver error: the server is down)
                await tick(app.services, {"slack": port}, day2)
        finally:
            subprocess.run([*ctl, "start"], check=True, capture_output=True, timeout=60)
        for _ in range(50):
            if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0:
                break
            await asyncio.sleep(0.2)
        clock.set(day2 + timedelta(minutes=1))
        assert await tick(app.services, {"slack": port}, clock.now()) == {"posted": 20}
        counts = posted_per_channel_and_day(fake)
        assert all(v == 1 for v in counts.values()) and len(counts) == 40
        with app.db.transaction() as s:
            assert Counter(p.status for p in s.exec(select(DailyPost)).all()) == {"sent": 40}
    finally:
        app.close()
        await fake.stop()
