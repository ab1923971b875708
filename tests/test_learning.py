"""Spaced repetition, reminders, streak freezes and restores, stats and insights, through the console adapter."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler
from PIL import Image
from sqlmodel import select

from bot.storage.models import Nudge, ReviewState, StreakRestore, User
from scheduler.facade import tick
from tests.conftest import Harness


def current_item(h: Harness):
    """The quiz item on the latest quiz card, looked up in the deck by its text."""
    title = h.port.latest_with_buttons and next(m.title for k, m in reversed(h.port.sent) if m.kind == "quiz")
    deck = h.app.services.catalog.get("mlops-interview")
    for qid, question in deck.questions.items():
        for item in question.text("en").quiz:
            if item.question == title:
                return qid, item
    raise AssertionError(f"no quiz item titled {title!r}")


async def answer(h: Harness, *, right: bool) -> str:
    """Answer the current quiz item right or wrong on purpose, then go on; returns its question id."""
    qid, item = current_item(h)
    choice = item.correct if right else (item.correct + 1) % len(item.options)
    await h.run(f":click {choice + 1}", ":click 1")
    return qid


def review_rows(h: Harness, user: str) -> list[ReviewState]:
    with h.app.db.transaction() as s:
        uid = s.exec(select(User.id).where(User.external_id == user)).one()
        return list(s.exec(select(ReviewState).where(ReviewState.user_id == uid)).all())


async def test_review_state_matches_the_fsrs_package(harness: Harness) -> None:
    """Self-grades on four question days; the stored card equals fsrs's own result for the same ratings and times."""
    await harness.run("/studybot schedule 09:00 UTC daily")
    grades = {1: Rating.Again, 2: Rating.Hard, 3: Rating.Good, 4: Rating.Easy}  # button number -> rating
    expected: dict[str, Card] = {}
    reference = Scheduler(enable_fuzzing=False)
    for button in (1, 2, 3, 4):
        await harness.run(":next-day", ":as bob", ":react 👀")
        harness.clock.set(harness.clock.now() + timedelta(minutes=7))
        await harness.run(f":click {button}", ":as alice")
        question = review_rows(harness, "bob")
        with harness.app.db.transaction() as s:
            from bot.storage.models import DailyPost

            qid = s.exec(select(DailyPost.question_id).order_by(DailyPost.seq.desc())).first()  # type: ignore[attr-defined]
        card = expected.get(qid) or Card(due=harness.clock.now())
        expected[qid], _ = reference.review_card(card, grades[button], review_datetime=harness.clock.now())
        assert question
    stored = {r.question_id: Card.from_json(r.card) for r in review_rows(harness, "bob")}
    assert set(stored) == set(expected)
    for qid, card in expected.items():
        got = stored[qid]
        assert (got.state, got.step, got.due) == (card.state, card.step, card.due)
        assert got.stability == card.stability and got.difficulty == card.difficulty


async def test_quiz_answers_are_reviews_and_due_items_come_first(harness: Harness) -> None:
    await harness.run(":as bob", "/quiz basics 2")
    missed = await answer(harness, right=False)
    known = await answer(harness, right=True)
    rows = {r.question_id: r for r in review_rows(harness, "bob")}
    assert rows[missed].reviews == 1 and rows[known].reviews >= 1
    assert rows[missed].due < rows[known].due
    # FSRS learning steps: Again comes back after a minute, Good after ten
    harness.clock.set(harness.clock.now() + timedelta(minutes=3))
    out = await harness.run("/review")
    assert "1 question is due for review" in out
    assert current_item(harness)[0] == missed
    await harness.run("/quiz")  # no arguments: due items first
    assert current_item(harness)[0] == missed
    await harness.run("/quiz cloud 1")  # a category: its items only
    assert current_item(harness)[0].startswith("cloud-")


async def test_review_with_nothing_due(harness: Harness) -> None:
    out = await harness.run(":as carol", "/review")
    assert "Nothing is due for review" in out and "take `/quiz`" in out


async def test_nudge_respects_opt_in_timezone_and_once_a_day(harness: Harness) -> None:
    for member in ("bob", "carol"):
        await harness.run(f":as {member}", "/quiz basics 1")
        await answer(harness, right=False)  # a miss: due again within minutes
    out = await harness.run(":as bob", "/studybot remind on 08:00 America/Sao_Paulo")
    assert "08:00 (America/Sao_Paulo)" in out
    assert "is not an IANA timezone" in await harness.run("/studybot remind on 08:00 Sao_Paulo_X")
    assert "neither on nor off" in await harness.run("/studybot remind maybe")
    services, ports = harness.app.services, {"console": harness.port}

    def nudges() -> list[Nudge]:
        with harness.app.db.transaction() as s:
            return list(s.exec(select(Nudge)).all())

    day = datetime(2026, 3, 3, tzinfo=UTC)
    await tick(services, ports, day + timedelta(hours=10, minutes=59))  # 07:59 in São Paulo: not yet
    assert nudges() == []
    await tick(services, ports, day + timedelta(hours=11, minutes=1))  # 08:01 there
    assert len(nudges()) == 1 and "1 question is due for review" in harness.port.sent[-1][1].body
    assert [k for k, _ in harness.port.sent].count("direct") == 1
    await tick(services, ports, day + timedelta(hours=20))
    assert len(nudges()) == 1  # at most once a day; carol never opted in
    await tick(services, ports, day + timedelta(days=1, hours=11, minutes=5))
    assert len(nudges()) == 2  # the next day, still due
    await harness.run(":as bob", "/studybot remind off")
    await tick(services, ports, day + timedelta(days=2, hours=12))
    assert len(nudges()) == 2


async def test_freezes_across_a_weekday_schedule(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC mon-fri")
    for day in range(1, 16):  # three weeks of question days
        await harness.run(":as alice", ":next-day")
        if day not in (8, 12, 13):
            await harness.run(":as bob", ":react 👀")
    out = await harness.run(":as bob", "/streak")
    # days 1-7 earn a freeze; 8 missed spends it; 9-11 go on (streak 10); 12 and 13 missed with no freeze: broken
    assert "Current: 2 question days" in out and "Longest: 10 question days" in out
    assert "Days saved by freezes: 1" in out


async def test_admin_restores_a_streak_after_an_outage(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily")
    for _ in range(3):
        await harness.run(":as alice", ":next-day", ":as bob", ":react 👀")
    await harness.run(":as alice", ":next-day", ":next-day", ":next-day")  # an outage: bob could not react
    assert "Current: 0 question days" in await harness.run(":as bob", "/streak")
    assert "Only workspace admins" in await harness.run("/studybot restore-streak @bob")
    out = await harness.run(":as alice", "/studybot restore-streak @bob")
    assert "Restored bob's streak: 0 → 5 question days" in out
    assert "Current: 5 question days" in await harness.run("/streak @bob")
    assert "no gap or break to restore" in await harness.run("/studybot restore-streak @bob")
    with harness.app.db.transaction() as s:
        record = s.exec(select(StreakRestore)).one()
        admin = s.exec(select(User).where(User.id == record.restored_by)).one()
        assert admin.external_id == "alice" and (record.before, record.after) == (0, 5)


async def test_stats_with_heatmap_picture(harness: Harness, tmp_path) -> None:
    harness.port.files_dir = tmp_path
    await harness.run("/studybot schedule 09:00 UTC daily")
    for _ in range(4):
        await harness.run(":as alice", ":next-day", ":as bob", ":react 👀")
    await harness.run("/quiz basics 1", ":click 2")
    out = await harness.run("/stats")
    assert "bob's stats" in out and "4 now · 4 longest" in out and "Quiz accuracy by category" in out
    assert "Basics:" in out and "picture saved to" in out
    pictures = list(tmp_path.glob("*.png"))
    assert len(pictures) == 1
    image = Image.open(io.BytesIO(pictures[0].read_bytes()))
    assert image.format == "PNG"
    from bot.rules.heatmap import heatmap_size

    assert image.size == heatmap_size()
    out = await harness.run(":as alice", "/stats @bob")
    assert "bob's stats" in out


async def test_insights_for_admins_and_weekly_recap(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily")
    await harness.run(":next-day", ":as bob", ":react 👀", ":click 1", ":as carol", ":react 👀", ":click 3")
    await harness.run(":as bob", ":click 2")  # nothing to click on the graded card: the quiz below matters
    await harness.run("/quiz basics 2", ":click 1", ":click 1", ":click 1", ":click 1")
    assert "Only workspace admins" in await harness.run("/studybot insights")
    out = await harness.run(":as alice", "/studybot insights")
    assert "Where the group struggles" in out and "2 reveals · grades again 1, hard 0, good 1, easy 0" in out
    # next Monday: the weekly leaderboard, then the recap of the hardest questions
    monday = datetime(2026, 3, 9, 9, 30, tzinfo=UTC)
    harness.clock.set(monday)
    await tick(harness.app.services, {"console": harness.port}, monday)
    kinds = [m.title for k, m in harness.port.sent if k == "post"]
    assert any("three hardest questions" in (title or "") for title in kinds)
