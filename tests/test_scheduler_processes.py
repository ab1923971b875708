"""Real processes: two replicas ticking the same instant on PostgreSQL, and ``studybot run`` started and stopped."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.clock import ManualClock
from fakes.slack_fake import FakeSlack
from tests.conftest import PG_URL, make_app
from tests.slack_helpers import SIGNING_SECRET, signature_headers
from tests.test_scheduler import enable_slack_channels

STUDYBOT = str(Path(sys.executable).parent / "studybot")
pytestmark = pytest.mark.timeout(120)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STUDYBOT_", "DATABASE_URL", "SLACK_", "DISCORD_"))}
    env["STUDYBOT_METRICS_PORT"] = "0"  # off: parallel runs would share the default port
    env.update(extra)
    return env


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set STUDYBOT_TEST_DATABASE_URL (SQLite is single-replica)")
async def test_two_processes_firing_the_same_instant_post_exactly_once(database_url: str, clock: ManualClock) -> None:
    fake = await FakeSlack(delay=0.2).start()
    app = make_app(
        database_url, clock, slack_bot_token="xoxb-T1-token", slack_signing_secret="s", slack_api_url=fake.api_url
    )
    channels = [f"C{i:03d}" for i in range(40)]
    try:
        await enable_slack_channels(app, channels)
        env = clean_env(
            DATABASE_URL=database_url,
            SLACK_BOT_TOKEN="xoxb-T1-token",
            SLACK_SIGNING_SECRET="s",
            SLACK_API_URL=fake.api_url,
            STUDYBOT_LOG_LEVEL="WARNING",
        )
        procs = [
            await asyncio.create_subprocess_exec(
                STUDYBOT,
                "tick",
                "--at",
                "2026-03-03T09:00:30Z",  # the test's own calendar, long past: hence --force
                "--force",
                "--platform",
                "slack",
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(2)
        ]
        results = await asyncio.gather(*(p.communicate() for p in procs))
        for proc, (_out, err) in zip(procs, results, strict=True):
            assert proc.returncode == 0, err.decode()
        posted = sorted(c.args["channel"] for c in fake.of("chat.postMessage"))
        assert posted == channels  # every channel exactly once, across both processes
        outputs = " ".join(out.decode() for out, _ in results)
        assert "posted" in outputs
    finally:
        app.close()
        await fake.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_run_serves_slack_and_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    fake = await FakeSlack(admins={"UADMIN"}).start()
    port = free_port()
    env = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
        SLACK_BOT_TOKEN="xoxb-T1-token",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        STUDYBOT_HTTP_PORT=str(port),
    )
    proc = await asyncio.create_subprocess_exec(
        STUDYBOT, "run", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("studybot run did not come up")
            body = (
                f"team_id=T1&channel_id=C1&user_id=UADMIN&user_name=admin&command=%2Fstudybot"
                f"&text=schedule+09%3A00+UTC+daily&response_url={fake.response_url('r1')}&trigger_id=t.1"
            )
            headers = {"Content-Type": "application/x-www-form-urlencoded", **signature_headers(body)}
            async with session.post(f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers) as response:
                assert response.status == 200
        await fake.wait_for(lambda: fake.responses)
        assert "Daily question at 09:00" in str(fake.responses[0][1])
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
        assert proc.returncode == 0, err.decode()
        assert "stopping" in err.decode()
        assert "xoxb-T1-token" not in err.decode() and SIGNING_SECRET not in err.decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.stop()


async def test_sigterm_during_a_fan_out_finishes_in_flight_posts_and_doubles_none(tmp_path: Path) -> None:
    from collections import Counter

    from bot.clock import SystemClock
    from bot.storage.models import Channel
    from tests.conftest import make_app

    fake = await FakeSlack(delay=0.5).start()
    database_url = f"sqlite:///{tmp_path / 'fanout.db'}"
    app = make_app(
        database_url,
        SystemClock(),
        slack_bot_token="xoxb-T1-token",
        slack_signing_secret="s",
        slack_api_url=fake.api_url,
    )
    channels = [f"C{i:02d}" for i in range(40)]
    try:
        await enable_slack_channels(app, channels, hhmm="00:00")  # due since midnight UTC: the start-up sweep posts
        from sqlmodel import select

        with app.db.transaction() as s:
            for channel in s.exec(select(Channel)).all():
                channel.weekly_day = "off"
                s.add(channel)
    finally:
        app.close()
    env = clean_env(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-T1-token",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        STUDYBOT_HTTP_PORT=str(free_port()),
    )
    proc = await asyncio.create_subprocess_exec(
        STUDYBOT, "run", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        await fake.wait_for(lambda: len(fake.of("chat.postMessage")) >= 5, timeout=30)
        proc.send_signal(signal.SIGTERM)  # in the middle of the fan-out
        _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
        assert proc.returncode == 0, err.decode()
        assert "finishing posts in flight" in err.decode()
        at_stop = len(fake.of("chat.postMessage"))  # the sweep in flight finished before the process ended
        assert at_stop == 40
        # a later start (here: a tick) finds nothing left to post and posts nothing twice
        tick_env = {**env, "STUDYBOT_LOG_LEVEL": "WARNING"}
        from datetime import UTC, datetime

        done = subprocess.run(
            [STUDYBOT, "tick", "--at", datetime.now(UTC).isoformat()],
            env=tick_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        per_channel = Counter(c.args["channel"] for c in fake.of("chat.postMessage"))
        assert sorted(per_channel) == channels and set(per_channel.values()) == {1}
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.stop()
