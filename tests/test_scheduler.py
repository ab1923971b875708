"""The scheduler: jobs from the database, DST, weekday schedules, catch-up, crashes, failures, weekly and
end-of-day posts. The clock is injected: ``tick`` runs what is due at an instant, so days pass without sleeping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from adapters.slack.app import build_slack_port
from bot.bootstrap import App
from bot.clock import ManualClock
from bot.posts.daily import CLAIM_LEASE, FAILURES_BEFORE_OFF
from bot.services import posting
from bot.settings import Settings
from bot.storage.models import Channel, DailyPost, ScheduledPost
from fakes.slack_fake import FakeSlack
from scheduler.facade import Scheduler, tick
from tests.conftest import Harness, make_app

pytestmark = pytest.mark.timeout(120)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)


async def sweep_day(h: Harness, start: datetime, hours: int = 48, step_minutes: int = 10) -> None:
    """Tick every ``step_minutes`` from ``start`` for ``hours``, as the scheduler's sweep would."""
    instant = start
    while instant < start + timedelta(hours=hours):
        h.clock.set(instant)
        await tick(h.app.services, {"console": h.port}, instant)
        instant += timedelta(minutes=step_minutes)


def posts(h: Harness) -> list[DailyPost]:
    with h.app.db.transaction() as s:
        return list(s.exec(select(DailyPost).order_by(DailyPost.seq)).all())


def posted_days(h: Harness) -> list[str]:
    return [p.question_day.isoformat() for p in posts(h) if p.status == "sent"]


@pytest.mark.parametrize(
    ("zone", "hhmm", "first_day", "label"),
    [
        ("Europe/Berlin", "09:00", (2026, 3, 28), "spring forward, 09:00"),
        ("Europe/Berlin", "02:30", (2026, 3, 28), "spring forward, 02:30 does not exist on the 29th"),
        ("Europe/Berlin", "09:00", (2026, 10, 24), "fall back, 09:00"),
        ("Europe/Berlin", "02:30", (2026, 10, 24), "fall back, 02:30 happens twice on the 25th"),
        ("America/New_York", "09:00", (2026, 3, 7), "spring forward, 09:00"),
        ("America/New_York", "02:30", (2026, 3, 7), "spring forward, 02:30 does not exist on the 8th"),
        ("America/New_York", "09:00", (2026, 10, 31), "fall back, 09:00"),
        ("America/New_York", "01:30", (2026, 10, 31), "fall back, 01:30 happens twice on 1 November"),
    ],
)
async def test_dst_transitions_post_once_a_day(harness: Harness, zone: str, hhmm: str, first_day: tuple,
                                               label: str) -> None:
    await harness.run(f"/studybot schedule {hhmm} {zone} daily")
    start = local(zone, *first_day, 0, 5)
    await sweep_day(harness, start, hours=72, step_minutes=10)
    days = posted_days(harness)
    base = datetime(*first_day).date()
    assert days == [(base + timedelta(days=i)).isoformat() for i in range(3)], label
    for post in posts(harness):  # each went out on its own local date, at or just after its time
        sent_local = post.sent_at.astimezone(ZoneInfo(zone))
        assert sent_local.date() == post.question_day
        assert (sent_local.hour, sent_local.minute) >= tuple(map(int, hhmm.split(":"))) or sent_local.hour == 3


async def test_weekday_schedule_posts_monday_to_friday(harness: Harness) -> None:
    await harness.run("/studybot schedule 08:00 America/Sao_Paulo mon-fri")
    await sweep_day(harness, local("America/Sao_Paulo", 2026, 3, 2, 0, 0), hours=24 * 7, step_minutes=30)
    assert posted_days(harness) == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"]


async def test_catch_up_same_day_never_yesterday(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily")
    services, ports = harness.app.services, {"console": harness.port}
    # down at 09:00 on Monday; back at 15:00: Monday's question goes out
    harness.clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    assert await tick(services, ports, harness.clock.now()) == {"posted": 1}
    # down all of Tuesday; back on Wednesday at 08:00: Tuesday's is gone for good, Wednesday's is not due yet
    harness.clock.set(datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    assert await tick(services, ports, harness.clock.now()) == {}
    harness.clock.set(datetime(2026, 3, 4, 9, 1, tzinfo=UTC))
    assert await tick(services, ports, harness.clock.now()) == {"posted": 1}
    assert posted_days(harness) == ["2026-03-02", "2026-03-04"]
    assert await tick(services, ports, harness.clock.now()) == {}


async def test_crash_between_claim_and_send_is_retried_after_the_lease(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily")
    services, ports = harness.app.services, {"console": harness.port}
    at = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    harness.clock.set(at)
    with services.db.transaction() as s:  # what a process that died right after claiming leaves behind
        channel = s.exec(select(Channel)).one()
        claim = posting.claim(s, channel, at.date(), services.catalog, services.seed, at)
        assert claim.new
    harness.clock.set(at + timedelta(minutes=1))  # another replica, or a restart, within the lease: hands off
    assert await tick(services, ports, harness.clock.now()) == {}
    assert [k for k, _ in harness.port.sent].count("post") == 0
    harness.clock.set(at + CLAIM_LEASE + timedelta(minutes=1))
    assert await tick(services, ports, harness.clock.now()) == {"posted": 1}
    assert await tick(services, ports, harness.clock.now()) == {}
    assert [k for k, _ in harness.port.sent].count("post") == 1
    assert len(posts(harness)) == 1 and posts(harness)[0].status == "sent"


async def test_jobs_follow_the_database(harness: Harness) -> None:
    scheduler = Scheduler(harness.app.services, {"console": harness.port})
    scheduler.start()
    try:
        assert scheduler.jobs == ["sweep"]
        await harness.run("/studybot schedule 09:00 Europe/Berlin mon-fri")
        assert scheduler.jobs == ["daily:1", "sweep"]
        job = scheduler._aps.get_job("daily:1")
        assert str(job.trigger.timezone) == "Europe/Berlin"
        assert job.misfire_grace_time == 900 and job.coalesce is True and job.max_instances == 1
        await harness.run("/studybot eod 21:30")
        assert scheduler.jobs == ["daily:1", "eod:1", "sweep"]
        await harness.run("/studybot schedule 07:15 America/New_York daily")
        assert str(scheduler._aps.get_job("daily:1").trigger.timezone) == "America/New_York"
        await harness.run("/studybot off")
        assert scheduler.jobs == ["sweep"]
    finally:
        await scheduler.shutdown()


async def test_weekly_leaderboard_after_mondays_question(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily")
    await sweep_day(harness, datetime(2026, 3, 2, 8, 0, tzinfo=UTC), hours=24 * 8, step_minutes=60)
    weekly = [m for kind, m in harness.port.sent if m.kind == "leaderboard"]
    assert len(weekly) == 2 and "Last week's leaderboard" in (weekly[0].title or "")  # Mondays 2 and 9 March
    await harness.run("/studybot weekly off")
    await sweep_day(harness, datetime(2026, 3, 16, 8, 0, tzinfo=UTC), hours=3, step_minutes=30)
    assert len([m for kind, m in harness.port.sent if m.kind == "leaderboard"]) == 2
    assert "is not a weekday" in await harness.run("/studybot weekly someday")


async def test_end_of_day_reveal_in_a_thread_once(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily")
    assert "off" in await harness.run("/studybot status")  # end-of-day reveal is off by default
    await sweep_day(harness, datetime(2026, 3, 2, 8, 0, tzinfo=UTC), hours=16, step_minutes=30)
    assert [k for k, _ in harness.port.sent].count("thread") == 0
    await harness.run("/studybot eod 21:00")
    await sweep_day(harness, datetime(2026, 3, 3, 8, 0, tzinfo=UTC), hours=15, step_minutes=30)
    threads = [m for k, m in harness.port.sent if k == "thread"]
    assert len(threads) == 1 and "Today's answer" in (threads[0].title or "")
    with harness.app.db.transaction() as s:
        assert [r.kind for r in s.exec(select(ScheduledPost)).all()].count("eod") == 1


@pytest.fixture
async def slack_rig(database_url: str, clock: ManualClock) -> AsyncIterator[tuple[FakeSlack, App, Settings]]:
    fake = await FakeSlack().start()
    overrides = {"slack_bot_token": "xoxb-T1-token", "slack_signing_secret": "s", "slack_api_url": fake.api_url}
    app = make_app(database_url, clock, **overrides)
    yield fake, app, Settings(database_url=database_url, **overrides)  # type: ignore[arg-type]
    app.close()
    await fake.stop()


async def enable_slack_channels(app: App, channels: list[str], hhmm: str = "09:00") -> None:
    from bot.events import CommandInvoked, Origin

    class Quiet:  # replies to these set-up commands are not what the test looks at
        platform = "slack"

        async def reply(self, *args, **kwargs) -> None:
            return None

    for channel in channels:
        origin = Origin("slack", "T1", channel, "UADMIN", is_admin=True, event_id=f"setup-{channel}")
        await app.core.handle(CommandInvoked(origin, "studybot", f"schedule {hhmm} UTC daily"), Quiet())  # type: ignore[arg-type]


async def test_429_on_some_channels_while_others_proceed_and_lost_access_switches_off(slack_rig) -> None:
    fake, app, settings = slack_rig
    channels = [f"C{i}" for i in range(1, 7)]
    await enable_slack_channels(app, channels)
    fake.limited_channels["C2"] = 1
    fake.limited_channels["C5"] = 1
    fake.failing_channels["C3"] = "channel_not_found"
    port = build_slack_port(app, settings)
    at = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # a Tuesday: no weekly leaderboard in the way
    app.services.clock.set(at)  # type: ignore[attr-defined]
    counts = await tick(app.services, {"slack": port}, at)
    assert counts == {"posted": 5, "failed": 1}
    delivered = [c.args["channel"] for c in fake.of("chat.postMessage") if c.args["channel"] != "C3"]
    assert sorted(set(delivered)) == ["C1", "C2", "C4", "C5", "C6"]
    retried = [c for c in fake.of("chat.postMessage") if c.args["channel"] == "C2"]
    assert len(retried) == 2 and retried[1].at - retried[0].at >= fake.retry_after
    for n in range(2, FAILURES_BEFORE_OFF + 1):  # the sweep keeps trying the lost channel
        app.services.clock.set(at + timedelta(minutes=n))  # type: ignore[attr-defined]
        assert await tick(app.services, {"slack": port}, app.services.clock.now()) == {"failed": 1}
    app.services.clock.set(at + timedelta(minutes=10))  # type: ignore[attr-defined]
    assert await tick(app.services, {"slack": port}, app.services.clock.now()) == {}
    with app.db.transaction() as s:
        c3 = s.exec(select(Channel).where(Channel.external_id == "C3")).one()
        assert c3.enabled is False and c3.notice == "notice.lost_access"
    # its admins hear about it with their next command
    from bot.events import CommandInvoked, Origin

    sent = []

    class Collect:
        platform = "slack"

        async def reply(self, origin, message, *, private) -> None:
            sent.append(message)

    await app.core.handle(CommandInvoked(Origin("slack", "T1", "C3", "UADMIN", is_admin=True), "studybot", "status"),
                          Collect())  # type: ignore[arg-type]
    assert "I switched the daily question off here" in sent[0].body
