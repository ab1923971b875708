"""Claiming and recording daily posts: question choice per deck and cycle, seqs, attempts, failures and retries."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import select

from bot.bootstrap import App
from bot.messages import Message
from bot.ports import Capabilities, ChannelRef, PlatformError
from bot.posts.daily import FAILURES_BEFORE_OFF, MAX_ATTEMPTS, post_daily
from bot.services import posting
from bot.storage.models import Channel, DailyPost, Tenant

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
DAY = date(2026, 3, 3)


def add_channel(app: App, deck: str = "starter") -> int:
    with app.db.transaction() as s:
        tenant = Tenant(platform="test", external_id="T1", created_at=NOW)
        s.add(tenant)
        s.flush()
        channel = Channel(
            tenant_id=tenant.id or 0,
            external_id="C1",
            deck_id=deck,
            language="en",
            timezone="UTC",
            enabled=True,
            created_at=NOW,
            updated_at=NOW,
        )
        s.add(channel)
        s.flush()
        return channel.id or 0


def claim_day(app: App, channel_id: int, day: date, deck: str | None = None) -> posting.Claim:
    with app.db.transaction() as s:
        channel = s.get(Channel, channel_id)
        assert channel is not None
        if deck is not None:
            channel.deck_id = deck
            s.add(channel)
        return posting.claim(s, channel, day, app.services.catalog, app.services.seed, NOW)


def deck_size(app: App, deck: str) -> int:
    found = app.services.catalog.get(deck)
    assert found is not None
    return len(found.question_ids("en"))


def test_claims_serve_each_deck_without_repeats_cycle_by_cycle(app: App) -> None:
    channel_id = add_channel(app)
    size = deck_size(app, "starter")
    days = [DAY + timedelta(days=n) for n in range(2 * size + 3)]
    starter = [claim_day(app, channel_id, day).post for day in days[: size + 2]]
    other = [claim_day(app, channel_id, day, "mlops-interview").post for day in days[size + 2 : size + 5]]
    starter += [claim_day(app, channel_id, day, "starter").post for day in days[size + 5 :]]
    posts = [p for p in starter + other if p is not None]
    assert len(posts) == len(days)
    assert [p.seq for p in sorted(posts, key=lambda p: p.question_day)] == list(range(1, len(days) + 1))
    by_cycle = Counter((p.deck_id, p.cycle, p.question_id) for p in posts)
    assert max(by_cycle.values()) == 1  # no question twice in one cycle of one deck
    cycles = Counter((p.deck_id, p.cycle) for p in posts)
    assert cycles[("starter", 0)] == size and cycles[("starter", 1)] == len(starter) - size
    assert cycles[("mlops-interview", 0)] == 3  # the other deck keeps cycles of its own

    again = claim_day(app, channel_id, days[0])
    assert again.new is False and again.post is not None and again.post.id == posts[0].id


class Port:
    """A platform whose posts fail with ``errors`` (in turn) before they succeed."""

    platform = "test"
    capabilities = Capabilities(ephemeral=True, threads=True, spoilers=False, buttons=True, direct_messages=True)

    def __init__(self, *errors: PlatformError):
        self.errors = list(errors)
        self.posts = 0

    async def post(self, channel: ChannelRef, message: Message, *, thread: str | None = None, **_: Any) -> str:
        self.posts += 1
        if self.errors:
            raise self.errors.pop(0)
        return f"m{self.posts}"


def stored(app: App, channel_id: int) -> tuple[DailyPost, Channel]:
    with app.db.transaction() as s:
        post = s.exec(select(DailyPost).where(DailyPost.channel_id == channel_id)).one()
        channel = s.get(Channel, channel_id)
        assert channel is not None
        return post, channel


async def test_failed_sends_count_attempts_and_a_success_clears_the_failures(app: App) -> None:
    channel_id = add_channel(app)
    port = Port(*(PlatformError("not_in_channel", permanent=True) for _ in range(FAILURES_BEFORE_OFF - 1)))
    for attempt in range(1, FAILURES_BEFORE_OFF):
        result = await post_daily(app.services, port, channel_id, DAY)  # a failed claim is taken over at once
        assert result.status == "failed" and result.error == "not_in_channel"
        post, channel = stored(app, channel_id)
        assert (post.status, post.attempts, post.last_error) == ("failed", attempt, "not_in_channel")
        assert channel.failures == attempt and channel.enabled
    result = await post_daily(app.services, port, channel_id, DAY)
    assert result.status == "posted" and result.post is not None
    assert (result.post.status, result.post.message_id, result.post.attempts) == ("sent", "m3", FAILURES_BEFORE_OFF)
    assert result.post.last_error is None and result.post.sent_at is not None
    post, channel = stored(app, channel_id)
    assert (post.id, post.status, post.message_id, post.attempts) == (result.post.id, "sent", "m3", 3)
    assert channel.failures == 0
    assert (await post_daily(app.services, port, channel_id, DAY)).status == "already"
    assert port.posts == FAILURES_BEFORE_OFF


async def test_a_day_is_given_up_after_max_attempts(app: App) -> None:
    channel_id = add_channel(app)
    port = Port(*(PlatformError("timeout") for _ in range(MAX_ATTEMPTS + 1)))
    statuses = [(await post_daily(app.services, port, channel_id, DAY)).status for _ in range(MAX_ATTEMPTS + 1)]
    assert statuses == ["failed"] * MAX_ATTEMPTS + ["already"]
    post, channel = stored(app, channel_id)
    assert (post.status, post.attempts, channel.failures) == ("failed", MAX_ATTEMPTS, 0)  # transient: not counted
    assert app.services.metrics.value("studybot_retries_total", platform="test") == MAX_ATTEMPTS - 1
