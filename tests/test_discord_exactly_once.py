"""Discord daily posts go out exactly once: a repeat within minutes is answered by Discord with the message it
already created (nonce + enforce_nonce), and a real ``studybot tick`` process killed between Discord creating the
post and the database recording it is recovered by finding the post among the channel's messages, never by
posting again; when that lookup fails, the outcome is unknown and the post waits for a later attempt."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from adapters.discord.port import LOOKUP_LIMIT, nonce
from adapters.discord.runner import start_discord
from bot.bootstrap import App
from bot.clock import ManualClock
from bot.events import CommandInvoked, Origin
from bot.messages import Button, Kind, Message
from bot.ports import ChannelRef, PlatformError
from bot.posts.daily import CLAIM_LEASE
from bot.storage.models import DailyPost
from fakes.discord_fake import FakeDiscord
from tests import discord_conformance as conformance
from tests.conftest import make_app
from tests.test_discord_e2e import A_CHANNEL, TOKEN, A, guilds

ROOT = Path(__file__).resolve().parents[1]
STUDYBOT = str(Path(sys.executable).parent / "studybot")
DAY_RE = re.compile(r"Question of the day · (\d{4}-\d{2}-\d{2})")
pytestmark = pytest.mark.timeout(180)


def daily_posts(fake: FakeDiscord, channel: int = A_CHANNEL) -> list[dict]:
    """The daily questions in a channel, as Discord holds them."""
    return [m for m in fake.messages.values() if int(m["channel_id"]) == channel
            and any(DAY_RE.search(e.get("title") or "") for e in m.get("embeds") or [])]


async def test_a_keyed_post_repeated_within_the_nonce_window_is_the_same_message(database_url: str,
                                                                                 clock: ManualClock) -> None:
    fake = await FakeDiscord(guilds=guilds()).start()
    app = make_app(database_url, clock, discord_token=TOKEN, discord_api_base=fake.api_base,
                   discord_gateway_url=fake.gateway_url)
    ref = ChannelRef("discord", str(A), str(A_CHANNEL))
    card = Message(Kind.QUESTION, title="Question of the day · 2026-03-02", body="**Why?**",
                   buttons=(Button("Reveal answer", "sb:reveal:41"),))
    try:
        port, close = await start_discord(app, app.settings, receive=False)
        try:
            key = "studybot-post-41"
            first = await port.post(ref, card, key=key)
            again = await port.post(ref, card, key=key)  # a resend within minutes: Discord returns the first
            assert again == first and len(fake.messages) == 1 and fake.nonce_hits == 1
            creates = fake.of("POST", f"/channels/{A_CHANNEL}/messages")
            assert [(c.body["nonce"], c.body["enforce_nonce"]) for c in creates] == [(key, True)] * 2
            [custom_id] = [b["custom_id"] for row in creates[0].body["components"] for b in row["components"]]
            assert custom_id == f"sb:reveal:41~{key}"  # the marker the lookup recognises; members never see it
            # beyond the window the nonce is forgotten: the lookup finds the post by its marker
            fake.forget_nonces()
            others = [await port.post(ref, Message(Kind.INFO, body=f"chatter {i}")) for i in range(3)]
            since = clock.now()
            assert await port.find_post(ref, key, since) == first
            assert await port.find_post(ref, "studybot-post-42", since) is None  # another day's key
            assert fake.of("GET", f"/channels/{A_CHANNEL}/messages")[-1].result[0]["id"] == others[-1]
            assert all("nonce" not in m for m in fake.of("GET", f"/channels/{A_CHANNEL}/messages")[-1].result)
            fake.failing_lookups = 1
            with pytest.raises(PlatformError):  # unknown, not "not there"
                await port.find_post(ref, key, since)
            if conformance.available():  # nonce and enforce_nonce as Discord's API description has them
                assert [p for c in fake.calls for p in conformance.problems(c)] == []
            # a key longer than Discord's 25-character nonce gets a stable digest of it
            long_key = "studybot-post-" + "9" * 30
            assert nonce(long_key) == nonce(long_key) and len(nonce(long_key)) == 25
            assert nonce(long_key, 1) != nonce(long_key)
        finally:
            await close()
    finally:
        app.close()
        await fake.stop()


async def test_a_busy_channel_beyond_the_lookup_limit_is_an_unknown_outcome(database_url: str,
                                                                           clock: ManualClock) -> None:
    fake = await FakeDiscord(guilds=guilds()).start()
    app = make_app(database_url, clock, discord_token=TOKEN, discord_api_base=fake.api_base,
                   discord_gateway_url=fake.gateway_url)
    try:
        port, close = await start_discord(app, app.settings, receive=False)
        try:
            for _ in range(LOOKUP_LIMIT):  # other members' messages, all after the claim
                fake.create_message(A_CHANNEL, {"content": "hello"})
            with pytest.raises(PlatformError, match="unknown outcome"):
                await port.find_post(ChannelRef("discord", str(A), str(A_CHANNEL)), "studybot-post-1", clock.now())
        finally:
            await close()
    finally:
        app.close()
        await fake.stop()


# ---- real processes ----


def _local_noon_zone(now: datetime) -> str:
    """A fixed-offset zone where ``now`` is around noon, so the question day cannot end during the test."""
    offset = 12 - now.hour
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


async def _enable(app: App, timezone: str) -> None:
    class Quiet:  # the set-up commands' replies are not what the test looks at
        platform = "discord"

        async def reply(self, *args: object, **kwargs: object) -> None:
            return None

    for n, text in enumerate((f"schedule 00:00 {timezone} daily", "weekly off")):
        origin = Origin("discord", str(A), str(A_CHANNEL), "1", is_admin=True, event_id=f"setup-{n}")
        await app.core.handle(CommandInvoked(origin, "studybot", text), Quiet())  # type: ignore[arg-type]


def _env(database_url: str, fake: FakeDiscord) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STUDYBOT_", "DATABASE_URL", "SLACK_", "DISCORD_"))}
    return {**env, "DATABASE_URL": database_url, "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url, "STUDYBOT_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}


async def _tick(env: dict[str, str], at: datetime) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        STUDYBOT, "tick", "--at", at.isoformat(), "--platform", "discord", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def _finish(proc: asyncio.subprocess.Process, code: int = 0) -> str:
    """The output of a ``studybot tick`` that ended with ``code`` (1: something failed) and no traceback."""
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == code, err.decode()
    assert "Traceback" not in err.decode(), err.decode()
    return out.decode()


def _post_row(app: App) -> DailyPost:
    with app.db.transaction() as s:
        return s.exec(select(DailyPost)).one()


async def test_killed_between_send_and_record_is_found_not_posted_again(database_url: str, clock: ManualClock) -> None:
    """``studybot tick`` is killed after Discord created the post and before the claim was marked sent. Later
    ticks, beyond the nonce window: the first finds the lookup failing (unknown: nothing posted, tried later),
    the next finds the post among the channel's messages and records it. One post for the day, always."""
    fake = await FakeDiscord(guilds=guilds(), hold_posts=asyncio.Event()).start()
    app = make_app(database_url, clock)
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        await _enable(app, _local_noon_zone(now))
        env = _env(database_url, fake)
        victim = await _tick(env, now)
        await fake.wait_for(lambda: daily_posts(fake), timeout=60)  # Discord has it; the sender waits for the answer
        victim.send_signal(signal.SIGKILL)
        await victim.wait()
        fake.hold_posts.set()  # type: ignore[union-attr]
        [sent] = daily_posts(fake)
        assert _post_row(app).status == "claimed" and _post_row(app).message_id is None
        fake.forget_nonces()  # minutes later: Discord no longer remembers the nonce

        # within the lease nothing is retried at all
        await _finish(await _tick(env, now + timedelta(minutes=1)))
        assert len(daily_posts(fake)) == 1 and not fake.of("GET", f"/channels/{A_CHANNEL}/messages")

        # past the lease: the lookup fails, so the outcome is unknown: nothing posted, the claim kept (with the
        # reason) to be asked about again after a new lease
        fake.failing_lookups = 1
        await _finish(await _tick(env, now + CLAIM_LEASE + timedelta(minutes=1)), code=1)
        assert len(daily_posts(fake)) == 1 and len(fake.of("GET", f"/channels/{A_CHANNEL}/messages")) == 1
        row = _post_row(app)
        assert row.status == "claimed" and row.message_id is None and "Service Unavailable" in (row.last_error or "")

        # the next attempt, after that lease, finds the post by its key among the channel's messages and records it
        await _finish(await _tick(env, now + 2 * CLAIM_LEASE + timedelta(minutes=2)))
        assert len(daily_posts(fake)) == 1
        row = _post_row(app)
        assert row.status == "sent" and row.message_id == sent["id"]
        creates = fake.of("POST", f"/channels/{A_CHANNEL}/messages")
        assert len(creates) == 1 and creates[0].body["nonce"] == nonce(f"studybot-post-{row.id}")
    finally:
        if fake.hold_posts is not None:
            fake.hold_posts.set()
        app.close()
        await fake.stop()


async def test_killed_then_retried_within_the_nonce_window_gets_the_same_message(database_url: str,
                                                                                  clock: ManualClock) -> None:
    """The lookup can miss a post Discord has not listed yet; a resend within the nonce window still cannot
    double it: Discord answers with the message it created for the killed process."""
    fake = await FakeDiscord(guilds=guilds(), hold_posts=asyncio.Event()).start()
    app = make_app(database_url, clock)
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        await _enable(app, _local_noon_zone(now))
        env = _env(database_url, fake)
        victim = await _tick(env, now)
        await fake.wait_for(lambda: daily_posts(fake), timeout=60)
        victim.send_signal(signal.SIGKILL)
        await victim.wait()
        fake.hold_posts.set()  # type: ignore[union-attr]
        [sent] = daily_posts(fake)
        fake.unlisted.add(int(sent["id"]))  # not listed (yet): the lookup finds nothing
        await _finish(await _tick(env, now + CLAIM_LEASE + timedelta(minutes=1)))
        assert fake.of("GET", f"/channels/{A_CHANNEL}/messages")  # it did look first
        assert len(fake.of("POST", f"/channels/{A_CHANNEL}/messages")) == 2  # then sent again, with the nonce...
        assert fake.nonce_hits == 1 and len(daily_posts(fake)) == 1  # ...and Discord returned the first message
        assert _post_row(app).status == "sent" and _post_row(app).message_id == sent["id"]
    finally:
        if fake.hold_posts is not None:
            fake.hold_posts.set()
        app.close()
        await fake.stop()
