"""The reliability suite: retries, storms, concurrency, fuzzed input and isolation lose nothing and double nothing.
Bounded in time and count; loopback only."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from adapters.slack.app import build_slack_port
from bot.bootstrap import App
from bot.clock import ManualClock
from bot.events import CommandInvoked, Origin, ReactionAdded
from bot.messages import Kind
from bot.settings import Settings
from bot.storage.models import DailyPost, Participation
from fakes.slack_fake import FakeSlack
from scheduler.facade import tick
from tests.conftest import Harness, make_app
from tests.dbcount import row_counts
from tests.test_scheduler import enable_slack_channels

pytestmark = pytest.mark.timeout(180)


class Recorder:
    """A platform port that keeps what it was asked to send (the core's replies, as a platform would get them)."""

    platform = "console"

    def __init__(self) -> None:
        self.replies: list = []

    async def reply(self, origin, message, *, private) -> None:
        self.replies.append(message)

    async def edit(self, origin, message_id, message) -> None:
        self.replies.append(message)

    async def upload(self, origin, message, filename, data, *, private=False, alt_text="") -> None:
        self.replies.append(message)


async def test_sqlite_with_eight_writers_for_a_while_never_locks(tmp_path, clock: ManualClock) -> None:
    """Eight threads write as fast as they can for three seconds: reveals, team changes, quiz answers."""
    app = make_app(f"sqlite:///{tmp_path / 'busy.db'}", clock)
    try:
        h = Harness(app, clock, tmp_path / "files")
        await h.run("/studybot schedule 09:00 UTC daily", ":next-day")
        message_id = h.port.latest_daily_post
        deadline = time.monotonic() + 3.0
        errors: list[BaseException] = []
        handled = [0] * 8

        def writer(n: int) -> None:
            async def loop() -> None:
                port = Recorder()
                i = 0
                while time.monotonic() < deadline:
                    member = f"w{n}-{i}"
                    origin = Origin("console", "local", "general", member, event_id=f"{member}-r")
                    await app.core.handle(ReactionAdded(origin, message_id, "👀"), port)
                    command = CommandInvoked(
                        Origin("console", "local", "general", member, event_id=f"{member}-t"),
                        "team",
                        f"create t{n}x{i}",
                    )
                    await app.core.handle(command, port)
                    i += 1
                handled[n] = i
                assert not [m for m in port.replies if m.kind == Kind.ERROR and "went wrong" in m.body]

            try:
                asyncio.run(loop())
            except BaseException as exc:  # recorded, asserted below
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == [], errors
        total = sum(handled)
        assert total > 8
        with app.db.transaction() as s:
            assert len(s.exec(select(Participation)).all()) == total
    finally:
        app.close()


async def test_429_storm_every_retry_waits_and_everything_arrives(database_url: str, clock: ManualClock) -> None:
    fake = await FakeSlack(retry_after=1).start()
    overrides = {"slack_bot_token": "xoxb-T1-token", "slack_signing_secret": "s", "slack_api_url": fake.api_url}
    app = make_app(database_url, clock, **overrides)
    try:
        channels = [f"C{i:02d}" for i in range(12)]
        await enable_slack_channels(app, channels)
        for channel in channels:
            fake.limited_channels[channel] = 2  # two 429s in a row for every channel
        port = build_slack_port(app, Settings(database_url=database_url, **overrides))  # type: ignore[arg-type]
        at = datetime(2026, 3, 3, 9, 1, tzinfo=UTC)
        clock.set(at)
        assert await tick(app.services, {"slack": port}, at) == {"posted": 12}
        for channel in channels:
            calls = [c for c in fake.of("chat.postMessage") if c.args["channel"] == channel]
            assert len(calls) == 3  # two refused, one delivered
            gaps = [b.at - a.at for a, b in itertools.pairwise(calls)]
            assert all(gap >= fake.retry_after for gap in gaps), (channel, gaps)
        assert app.services.metrics.value("studybot_rate_limited_total", platform="slack") == 24
    finally:
        app.close()
        await fake.stop()


COMMANDS = ["quiz", "review", "streak", "stats", "leaderboard", "team", "studybot"]
NASTY = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=400, max_size=2000),
    st.sampled_from(
        [
            "",
            " ",
            "'; DROP TABLE users; --",
            "<@U123|x>",
            "<!channel>",
            "$(rm -rf /)",
            '"',
            "'",
            "\\",
            "\x00",
            'create ""',
            "join 🦊🦊🦊",
            "schedule 09:00 ../../etc/passwd",
            "deck ../../content",
            "reveal <:x:1>",
            "restore-streak @nobody",
            "remind on 99:99 Mars/Base",
            "%s%s%s%n",
            "{0}{1}{name}",
            "‮reversed",
        ]
    ),
    st.lists(
        st.sampled_from(
            [
                "create",
                "join",
                "schedule",
                "deck",
                "09:00",
                "UTC",
                "daily",
                "x" * 50,
                "-1",
                "0",
                "999999999999",
                "users",
                "teams",
                "all",
                "on",
                "off",
                "@alice",
            ]
        ),
        max_size=6,
    ).map(" ".join),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(COMMANDS), text=NASTY, admin=st.booleans())
@example(command="streak", text="\x00", admin=False)  # PostgreSQL refuses NUL in a parameter
@example(command="team", text="create a\x00b", admin=False)
async def test_fuzzed_arguments_get_a_clear_answer_and_failures_write_nothing(
    harness: Harness, command: str, text: str, admin: bool
) -> None:
    port = Recorder()
    before = row_counts(harness.app.db)
    origin = Origin("console", "local", "general", "fuzzer", user_name="fuzzer", is_admin=admin, event_id=None)
    await harness.app.core.handle(CommandInvoked(origin, command, text), port)  # no exception may escape
    assert port.replies, "every command gets an answer"
    for message in port.replies:
        assert "went wrong on my side" not in message.body, (command, text)
    errors = [m for m in port.replies if m.kind == Kind.ERROR]
    if errors:
        assert "Example:" in errors[0].body or "Only workspace admins" in errors[0].body
        assert row_counts(harness.app.db) == before, (command, text)


async def test_tenants_never_see_each_others_data(app: App) -> None:
    port = Recorder()

    def say(tenant: str, user: str, command: str, text: str, admin: bool = True) -> CommandInvoked:
        return CommandInvoked(Origin("slack", tenant, "C1", user, user_name=user, is_admin=admin), command, text)

    for cmd in [
        say("TA", "ua", "team", "create Secret"),
        say("TA", "ua", "studybot", "schedule 09:00 UTC daily"),
        say("TA", "ua", "studybot", "post"),
    ]:
        await app.core.handle(cmd, _PostingRecorder(port))
    outsider = [
        say("TB", "ub", "team", "list"),
        say("TB", "ub", "team", "join Secret"),
        say("TB", "ub", "leaderboard", "teams all"),
        say("TB", "ub", "streak", "<@ua>"),
        say("TB", "ub", "stats", "ua"),
        say("TB", "ub", "studybot", "restore-streak <@ua>"),
    ]
    for cmd in outsider:
        port.replies.clear()
        await app.core.handle(cmd, _PostingRecorder(port))
        text = " ".join(f"{m.title} {m.body} {[f.value for f in m.fields]}" for m in port.replies)
        assert "Secret" not in text, text  # TA's team is invisible from TB
        assert "ua's" not in text, text  # and so is its member
        assert port.replies
    with app.db.transaction() as s:
        posts = s.exec(select(DailyPost)).all()
        assert {p.tenant_id for p in posts} == {1}


class _PostingRecorder(Recorder):
    async def post(self, channel, message, *, thread=None) -> str:
        self.replies.append(message)
        return f"m{len(self.replies)}"

    def __init__(self, inner: Recorder) -> None:
        self.replies = inner.replies
