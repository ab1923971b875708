"""Exactly once when the platform cannot tell: a failed recovery lookup never posts again, clock skew between bot
and Slack cannot hide a post, and ``studybot tick --at`` (in the future, killed after sending) recovers without a
second post. ``tick --at`` refuses stray instants. Real processes for the kills; loopback only."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from adapters.slack.app import build_slack_port
from bot.clock import ManualClock
from bot.messages import Kind, Message
from bot.ports import ChannelRef
from bot.posts.daily import CLAIM_LEASE, post_daily
from bot.services import posting
from bot.settings import Settings
from bot.storage.models import Channel, DailyPost
from fakes.slack_fake import FakeSlack
from scheduler.facade import tick
from tests.conftest import make_app
from tests.test_replicas import slack_env
from tests.test_scheduler import enable_slack_channels

pytestmark = pytest.mark.timeout(180)
STUDYBOT = str(Path(sys.executable).parent / "studybot")
ROOT = Path(__file__).resolve().parents[1]


def keyed_posts(fake: FakeSlack) -> Counter:
    """Daily posts per channel as Slack holds them (by the key in their metadata)."""
    return Counter(
        m["metadata"]["event_payload"]["key"]
        for messages in fake.history.values()
        for m in messages
        if (m.get("metadata") or {}).get("event_type") == "studybot_daily_post"
    )


async def _rig(database_url: str, clock: ManualClock, fake: FakeSlack, channels: list[str]):
    overrides = {"slack_bot_token": "xoxb-T1-token", "slack_signing_secret": "s", "slack_api_url": fake.api_url}
    app = make_app(database_url, clock, **overrides)
    await enable_slack_channels(app, channels)
    with app.db.transaction() as s:
        for channel in s.exec(select(Channel)).all():
            channel.weekly_day = "off"
            s.add(channel)
    port = build_slack_port(app, Settings(database_url=database_url, **overrides))  # type: ignore[arg-type]
    return app, port


def _dead_claim(app, at: datetime):
    """The claim a process took just before it died."""
    with app.db.transaction() as s:
        channel = s.exec(select(Channel)).one()
        post = posting.claim(s, channel, at.date(), app.services.catalog, app.services.seed, at).post
    return channel, post


#: When the process that died claimed the morning's post, and the channel it posts to.
AT = datetime(2026, 3, 3, 9, 0, 5, tzinfo=UTC)
REF = ChannelRef("slack", "T1", "C1")


async def _died_at_nine(app, port, clock: ManualClock, *, sent: bool) -> Channel:
    """A process claimed the post at ``AT`` and died, after Slack had the question (``sent``) or before."""
    clock.set(AT)
    channel, post = _dead_claim(app, AT)
    if sent:
        await port.post(REF, Message(Kind.QUESTION, title="Question of the day"), key=f"studybot-post-{post.id}")
    return channel


@pytest.mark.parametrize("sent_before_dying", [True, False])
async def test_failed_lookup_never_posts_and_is_asked_again_later(
    database_url: str, clock: ManualClock, sent_before_dying: bool
) -> None:
    fake = await FakeSlack(ignore_oldest=True).start()
    app, port = await _rig(database_url, clock, fake, ["C1"])
    try:
        at = AT
        channel = await _died_at_nine(app, port, clock, sent=sent_before_dying)
        sent = len(fake.of("chat.postMessage"))
        fake.failing["conversations.history"] = "internal_error"
        clock.set(at + CLAIM_LEASE + timedelta(minutes=1))
        result = await post_daily(app.services, port, channel.id, at.date(), scheduled=True)
        assert result.status == "unknown"
        assert len(fake.of("chat.postMessage")) == sent  # not posted: the outcome is unknown
        # the sweep a minute later leaves it alone (leased again), a later one asks again, still failing
        clock.set(clock.now() + timedelta(minutes=1))
        assert await tick(app.services, {"slack": port}, clock.now()) == {}
        clock.set(clock.now() + CLAIM_LEASE)
        assert await tick(app.services, {"slack": port}, clock.now()) == {"unknown": 1}
        assert len(fake.of("chat.postMessage")) == sent
        with app.db.transaction() as s:
            row = s.exec(select(DailyPost)).one()
            assert row.status == "claimed" and "unknown" in (row.last_error or "")
        # Slack answers again: found (recorded, not posted) or not found (posted once)
        del fake.failing["conversations.history"]
        clock.set(clock.now() + CLAIM_LEASE + timedelta(minutes=1))
        assert await tick(app.services, {"slack": port}, clock.now()) == {"posted": 1}
        assert list(keyed_posts(fake).values()) == [1]
        with app.db.transaction() as s:
            assert s.exec(select(DailyPost)).one().status == "sent"
    finally:
        app.close()
        await fake.stop()


async def test_lookup_pages_through_a_busy_channel(database_url: str, clock: ManualClock) -> None:
    """The post is found on the third page of the channel's history, not missed (and so not posted again)."""
    fake = await FakeSlack(ignore_oldest=True, page_size=5).start()
    app, port = await _rig(database_url, clock, fake, ["C1"])
    try:
        at = AT
        channel = await _died_at_nine(app, port, clock, sent=True)
        for n in range(12):  # the channel carries on talking after the post
            await port.post(REF, Message(Kind.INFO, body=f"chatter {n}"))
        clock.set(at + CLAIM_LEASE + timedelta(minutes=1))
        result = await post_daily(app.services, port, channel.id, at.date(), scheduled=True)
        assert result.status == "posted"
        assert len(fake.of("conversations.history")) == 3
        assert list(keyed_posts(fake).values()) == [1]
    finally:
        app.close()
        await fake.stop()


def _cli(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [STUDYBOT, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


async def _kill_after_send(env: dict[str, str], fake: FakeSlack, at: datetime) -> None:
    """``studybot tick --at`` as a real process, SIGKILLed once Slack has its post and before it records it."""
    fake.hold_posts = True
    proc = _cli(env, "tick", "--at", at.isoformat())
    try:
        await fake.wait_for(lambda: keyed_posts(fake), timeout=60)
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    fake.hold_posts = False


async def _tick(env: dict[str, str], at: datetime) -> subprocess.CompletedProcess[str]:
    proc = await asyncio.create_subprocess_exec(
        STUDYBOT, "tick", "--at", at.isoformat(), env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    return subprocess.CompletedProcess([], proc.returncode or 0, out.decode(), err.decode())


@pytest.mark.parametrize(
    "ahead",
    [timedelta(seconds=120), timedelta(hours=20)],
    ids=["bot-clock-120s-ahead-of-slack", "tick-at-20h-in-the-future"],
)
async def test_killed_after_sending_is_recovered_whatever_the_clocks_say(
    database_url: str, clock: ManualClock, ahead: timedelta
) -> None:
    """Slack stamps messages with its own clock (the wall clock here); the bot's instant is ``ahead`` of it. The
    process is killed between Slack accepting the post and the database recording it; a later tick recovers
    the post by its key across the question day: one post, recorded as sent."""
    fake = await FakeSlack(clock=time.time).start()
    app, _ = await _rig(database_url, clock, fake, ["C1"])
    try:
        with app.db.transaction() as s:  # due from midnight: whatever the hour, the instant is past the slot
            channel = s.exec(select(Channel)).one()
            channel.post_time = "00:00"
            s.add(channel)
        env = slack_env(database_url, fake)
        at = datetime.now(UTC) + ahead
        if at.hour == 23 and at.minute >= 45:  # the recovery must fall on the same question day
            at -= timedelta(minutes=20)
        await _kill_after_send(env, fake, at)
        with app.db.transaction() as s:
            assert s.exec(select(DailyPost)).one().status == "claimed"
        recovered = await _tick(env, at + CLAIM_LEASE + timedelta(minutes=1))
        assert recovered.returncode == 0, recovered.stderr
        assert "posted 1" in recovered.stdout
        assert fake.of("conversations.history")
        assert list(keyed_posts(fake).values()) == [1]  # not posted twice
        with app.db.transaction() as s:
            post = s.exec(select(DailyPost)).one()
            assert post.status == "sent"
            assert post.message_id == next(iter(fake.history["C1"]))["ts"]
    finally:
        app.close()
        await fake.stop()


def _run_tick_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STUDYBOT_", "DATABASE_URL", "SLACK_", "DISCORD_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}",
        SLACK_BOT_TOKEN="xoxb-T1-token",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL="http://127.0.0.1:9/api/",  # nothing listens: a refused instant must not get this far
    )
    return subprocess.run([STUDYBOT, "tick", *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "at, problem",
    [
        ("9000-01-01T00:00:00Z", "more than a day from now"),
        ("9999-12-31T23:59:59+00:00", "too far"),
        ("9999-12-31T23:59:59-05:00", "too far"),
        ("0001-01-01T00:00:00+01:00", "too far"),
        ((datetime.now(UTC) + timedelta(days=2)).isoformat(), "more than a day from now"),
        ((datetime.now(UTC) - timedelta(days=3)).isoformat(), "more than a day from now"),
        ("tomorrow", "not an ISO 8601 instant"),
        ("2026-13-45T99:00:00Z", "not an ISO 8601 instant"),
        ("2026-03-02T09:00:00", "no UTC offset"),
        ("\x01\x7f‮2026", "not an ISO 8601 instant"),
    ],
)
def test_tick_refuses_stray_instants_with_a_clear_message(tmp_path: Path, at: str, problem: str) -> None:
    result = _run_tick_cli(tmp_path, "--at", at)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert problem in result.stderr
    assert "example: studybot tick --at" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "cli.db").exists()  # nothing was opened, let alone posted


def test_tick_far_instant_with_force_is_run_and_year_9999_never_a_traceback(tmp_path: Path) -> None:
    far = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    refused = _run_tick_cli(tmp_path, "--at", far)
    assert refused.returncode == 2 and "--force" in refused.stderr
    forced = _run_tick_cli(tmp_path, "--at", far, "--force", "--platform", "discord")
    assert "more than a day" not in forced.stderr  # accepted; stops at the platform check instead
    assert "discord is not configured" in forced.stderr
    extreme = _run_tick_cli(tmp_path, "--at", "9999-12-31T23:59:59+00:00", "--force")
    assert extreme.returncode == 2 and "too far" in extreme.stderr
    assert "Traceback" not in extreme.stderr + forced.stderr


async def test_spring_forward_02_30_in_berlin_posts_at_03_00_from_job_and_sweep(harness) -> None:
    """29 March 2026, Berlin: 02:00 -> 03:00, so 02:30 does not exist. The APScheduler job, the sweep and the
    catch-up rule agree on 03:00 local (01:00 UTC), as the README says, and the day gets one post."""
    from scheduler.facade import Scheduler

    berlin = ZoneInfo("Europe/Berlin")
    await harness.run("/studybot schedule 02:30 Europe/Berlin daily", "/studybot weekly off")
    services, ports = harness.app.services, {"console": harness.port}
    scheduler = Scheduler(services, ports)
    scheduler.start()
    try:
        trigger = scheduler._aps.get_job("daily:1").trigger
        fire = trigger.get_next_fire_time(None, datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
        assert fire == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
        assert fire.astimezone(berlin).strftime("%H:%M") == "03:00"
        after = trigger.get_next_fire_time(fire, fire)
        assert after.astimezone(berlin).isoformat() == "2026-03-30T02:30:00+02:00"  # back to 02:30 the day after
        harness.clock.set(fire - timedelta(seconds=1))  # 01:59:59 CET: not yet
        await asyncio.create_task(scheduler._fire_daily(1))  # a task of its own, as APScheduler runs it
        assert await tick(services, ports, harness.clock.now()) == {}
        harness.clock.set(fire)  # the job fires at 03:00 CEST and posts
        await asyncio.create_task(scheduler._fire_daily(1))
        assert [k for k, _ in harness.port.sent].count("post") == 1
        harness.clock.set(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))  # 03:30: the sweep finds it done
        assert await tick(services, ports, harness.clock.now()) == {}
        assert [k for k, _ in harness.port.sent].count("post") == 1
    finally:
        await scheduler.shutdown()


async def test_a_lookup_blind_to_the_channel_never_posts_nor_switches_it_off(database_url: str, clock) -> None:
    """The bot posts to a public channel it is not a member of (chat:write.public): conversations.history answers
    not_in_channel. The outcome stays unknown (no second post) and the channel stays on."""
    fake = await FakeSlack(ignore_oldest=True).start()
    app, port = await _rig(database_url, clock, fake, ["C1"])
    try:
        at = AT
        channel = await _died_at_nine(app, port, clock, sent=True)
        fake.failing["conversations.history"] = "not_in_channel"
        for n in range(1, 5):
            clock.set(at + n * (CLAIM_LEASE + timedelta(minutes=1)))
            assert await tick(app.services, {"slack": port}, clock.now()) == {"unknown": 1}
        assert list(keyed_posts(fake).values()) == [1]
        with app.db.transaction() as s:
            channel = s.exec(select(Channel)).one()
            assert channel.enabled and channel.failures == 0
    finally:
        app.close()
        await fake.stop()
