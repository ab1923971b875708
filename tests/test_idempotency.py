"""The same reaction, button press or command delivered twice has one effect; so do double clicks and races."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from sqlmodel import select

from bot.events import ButtonPressed, CommandInvoked, Origin, ReactionAdded
from bot.posts.daily import post_daily
from bot.storage.models import Channel, DailyPost, Participation, PointsEntry, QuizAttempt, Reveal, SelfGrade, Streak
from tests.conftest import Harness
from tests.dbcount import row_counts


def origin(user: str = "bob", event_id: str = "E1", admin: bool = False) -> Origin:
    return Origin("console", "local", "general", user, user_name=user, is_admin=admin, event_id=event_id)


async def posted(h: Harness) -> str:
    await h.run("/studybot schedule 09:00 Europe/Berlin daily", ":next-day")
    assert h.port.latest_daily_post is not None
    return h.port.latest_daily_post


async def test_retried_reaction_event_has_one_effect(harness: Harness) -> None:
    message_id = await posted(harness)
    event = ReactionAdded(origin(event_id="Ev-1"), message_id, "eyes")
    await harness.app.core.handle(event, harness.port)
    counts = row_counts(harness.app.db)
    sent = len(harness.port.sent)
    for _ in range(3):  # Slack retries up to 3 more times with the same event id
        await harness.app.core.handle(event, harness.port)
    assert row_counts(harness.app.db) == counts
    assert len(harness.port.sent) == sent
    assert counts["reveals"] == 1 and counts["participations"] == 1 and counts["points_ledger"] == 1


async def test_repeated_reaction_with_new_event_id_gives_nothing_new(harness: Harness) -> None:
    message_id = await posted(harness)
    await harness.app.core.handle(ReactionAdded(origin(event_id="a"), message_id, "👀"), harness.port)
    sent = len(harness.port.sent)
    await harness.app.core.handle(ReactionAdded(origin(event_id="b"), message_id, "👀"), harness.port)
    assert len(harness.port.sent) == sent
    with harness.app.db.transaction() as s:
        assert len(s.exec(select(Reveal)).all()) == 1
        assert sum(p.points for p in s.exec(select(PointsEntry)).all()) == 1


async def test_other_emoji_other_messages_are_ignored(harness: Harness) -> None:
    message_id = await posted(harness)
    before = row_counts(harness.app.db)
    await harness.app.core.handle(ReactionAdded(origin(event_id="x1"), message_id, "🎉"), harness.port)
    await harness.app.core.handle(ReactionAdded(origin(event_id="x2"), "999999", "👀"), harness.port)
    assert row_counts(harness.app.db) == before


async def test_double_click_on_reveal_counts_once_but_shows_again(harness: Harness) -> None:
    await posted(harness)
    out = await harness.run(":as bob", ":click 1")
    assert "Model answer" in out
    post_message = harness.port.latest_daily_post
    with harness.app.db.transaction() as s:
        post = s.exec(select(DailyPost)).one()
    await harness.app.core.handle(
        ButtonPressed(origin(event_id="click-2"), f"sb:reveal:{post.id}", post_message), harness.port
    )
    assert "You revealed this one already" in harness.port.sent[-1][1].context
    with harness.app.db.transaction() as s:
        assert len(s.exec(select(Reveal)).all()) == 1
        assert len(s.exec(select(Participation)).all()) == 1
        assert s.exec(select(Streak)).one().current == 1


async def test_self_grade_twice_counts_once(harness: Harness) -> None:
    await posted(harness)
    await harness.run(":as bob", ":react 👀")
    shown = harness.port.latest_with_buttons
    await harness.run(":click 3")  # I knew it (good)
    event = ButtonPressed(origin(event_id="g2"), shown.buttons[0].action, shown.message_id)  # then "I didn't"
    await harness.app.core.handle(event, harness.port)
    assert "You graded this question already." in (harness.port.sent[-1][1].footer or "")
    with harness.app.db.transaction() as s:
        grades = s.exec(select(SelfGrade)).all()
        assert [g.grade for g in grades] == ["good"]


async def test_quiz_answer_double_click_grades_once(harness: Harness) -> None:
    await harness.run(":as bob", "/quiz 2")
    shown = harness.port.latest_with_buttons
    await harness.run(":click 1")
    again = ButtonPressed(origin(event_id="q-again"), shown.buttons[2].action, shown.message_id)
    await harness.app.core.handle(again, harness.port)
    with harness.app.db.transaction() as s:
        attempts = s.exec(select(QuizAttempt)).all()
        assert len(attempts) == 1 and attempts[0].chosen == 0
    assert "You chose A." in (harness.port.sent[-1][1].footer or "")  # the first answer stands


async def test_retried_command_has_one_effect(harness: Harness) -> None:
    event = CommandInvoked(origin(user="alice", event_id="cmd-1", admin=True), "team", "create Owls")
    await harness.app.core.handle(event, harness.port)
    sent = len(harness.port.sent)
    await harness.app.core.handle(event, harness.port)
    assert len(harness.port.sent) == sent
    failing = CommandInvoked(origin(user="bob", event_id="cmd-2"), "team", "create Owls")
    await harness.app.core.handle(failing, harness.port)
    await harness.app.core.handle(replace(failing, origin=replace(failing.origin, event_id="cmd-3")), harness.port)
    assert "exists already" in harness.port.sent[-1][1].body


async def test_concurrent_posts_for_one_day_post_once(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 Europe/Berlin daily")
    with harness.app.db.transaction() as s:
        channel = s.exec(select(Channel)).one()
    day = harness.clock.now().date()
    results = await asyncio.gather(*(post_daily(harness.app.services, harness.port, channel.id, day) for _ in range(5)))
    assert sorted(r.status for r in results) == ["already"] * 4 + ["posted"]
    assert [k for k, _ in harness.port.sent].count("post") == 1
    with harness.app.db.transaction() as s:
        assert len(s.exec(select(DailyPost)).all()) == 1


async def test_a_reaction_creates_a_new_member_and_renames_a_known_one(harness: Harness) -> None:
    """The reaction's one-query path falls back to creating or renaming rows when the platform says so."""
    from bot.storage.models import User

    message_id = await posted(harness)
    newcomer = Origin("console", "local", "general", "U-new", user_name="Nia", event_id="n1")
    await harness.app.core.handle(ReactionAdded(newcomer, message_id, "👀"), harness.port)
    await harness.app.core.handle(CommandInvoked(origin("bob", "c1"), "/streak", ""), harness.port)
    with harness.app.db.transaction() as s:
        assert s.exec(select(User).where(User.external_id == "bob")).one().display_name == "bob"
    renamed = Origin("console", "local", "general", "bob", user_name="Robert", event_id="r1")
    await harness.app.core.handle(ReactionAdded(renamed, message_id, "👀"), harness.port)
    with harness.app.db.transaction() as s:
        names = {u.external_id: u.display_name for u in s.exec(select(User)).all()}
        assert names["U-new"] == "Nia" and names["bob"] == "Robert"
        assert len(s.exec(select(Reveal)).all()) == 2 and len(s.exec(select(Participation)).all()) == 2
