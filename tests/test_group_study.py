"""Group study: adaptive order (the group's forgetting curve picks the question), vacations, and the simulation."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Rating, Scheduler
from sqlmodel import col, select

from benchmarks.group_study import simulate
from bot.rules.selection import NEW_EVERY, choose_adaptive, cycle_order
from bot.services.group_memory import mean_recall
from bot.storage.models import DailyPost, Nudge, ReviewState, User, Vacation
from scheduler.facade import tick
from tests.conftest import Harness
from tests.dbcount import row_counts

IDS = ["a", "b", "c", "d", "e"]


# ---- the rule ----


def test_adaptive_takes_unseen_questions_in_shuffled_order_at_the_documented_rate() -> None:
    order = cycle_order(IDS, "s", 0)
    assert NEW_EVERY == 2
    assert choose_adaptive(IDS, [], {}, "s") == order[0]  # the first post: nothing seen yet
    assert choose_adaptive(IDS, [order[0]], {order[0]: 0.1}, "s") == order[1]  # post 2: a new one
    # post 3: a review, the weakest of the seen questions that is not the latest
    assert choose_adaptive(IDS, order[:2], {order[0]: 0.3, order[1]: 0.1}, "s") == order[0]
    # post 4: new again, even though a seen question is weak
    assert choose_adaptive(IDS, [*order[:2], order[0]], {order[0]: 0.9, order[1]: 0.2}, "s") == order[2]


def test_adaptive_reviews_what_the_group_is_closest_to_forgetting() -> None:
    posted = ["a", "b", "c", "d", "e", "a", "c"]  # 8th post: every question seen, so always a review
    recall = {"a": 0.5, "b": 0.7, "c": 0.2, "d": 0.4, "e": 0.9}
    assert choose_adaptive(IDS, posted, recall, "s") == "d"  # c is lowest but was posted last
    assert choose_adaptive(IDS, posted, {**recall, "d": 0.8}, "s") == "a"
    assert choose_adaptive(IDS, posted, {k: v for k, v in recall.items() if k != "b"}, "s") == "b"  # no one: 0


def test_adaptive_brings_a_new_question_when_the_group_recalls_everything_well() -> None:
    order = cycle_order(IDS, "s", 0)
    posted = order[:3]  # post 4 would be new anyway; make it post 5 with one repeat
    posted = [*posted, order[0]]
    strong = dict.fromkeys(posted, 0.95)
    assert choose_adaptive(IDS, posted, strong, "s") == order[3]
    weak = {**strong, order[1]: 0.5}
    assert choose_adaptive(IDS, posted, weak, "s") == order[1]
    assert choose_adaptive(IDS, posted, dict.fromkeys(posted, 0.9), "s") == order[3]  # 90 % is strong enough
    assert choose_adaptive(IDS, posted, {**strong, order[1]: 0.89}, "s") == order[1]
    # a posted question no active member has a card for counts as forgotten: it comes back first
    unknown = {q: r for q, r in strong.items() if q != order[1]}
    assert choose_adaptive(IDS, posted, unknown, "s") == order[1]


def test_adaptive_never_repeats_the_latest_question_unless_it_is_the_only_one() -> None:
    assert choose_adaptive([], [], {}, "s") is None
    assert choose_adaptive(["a"], ["a", "a"], {"a": 0.0}, "s") == "a"
    for n in range(2, 30):
        posted: list[str] = []
        for _ in range(n):
            posted.append(choose_adaptive(IDS, posted, dict.fromkeys(posted, 0.5), "s") or "")
        assert all(x != y for x, y in itertools.pairwise(posted))
        if n >= NEW_EVERY * len(IDS):
            assert set(posted[: NEW_EVERY * len(IDS)]) == set(IDS)  # the whole deck within NEW_EVERY x its size


def test_group_recall_is_the_mean_over_active_members_counting_missing_cards_as_zero() -> None:
    scheduler = Scheduler(enable_fuzzing=False)
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    card_a, _ = scheduler.review_card(Card(due=t0), Rating.Good, review_datetime=t0)
    card_b, _ = scheduler.review_card(Card(due=t0), Rating.Again, review_datetime=t0)
    later = t0 + timedelta(days=3)
    got = mean_recall([1, 2], [(1, "q", card_a), (2, "q", card_b), (1, "r", card_a)], ["q", "r"], later)
    ra, rb = scheduler.get_card_retrievability(card_a, later), scheduler.get_card_retrievability(card_b, later)
    assert got["q"] == pytest.approx((ra + rb) / 2)
    assert got["r"] == pytest.approx(ra / 2)  # member 2 never met r
    assert 0 < rb < ra < 1
    assert mean_recall([], [], ["q"], later) == {}


# ---- adaptive order through the bot ----


def posted_questions(h: Harness) -> list[str]:
    with h.app.db.transaction() as s:
        return list(s.exec(select(DailyPost.question_id).order_by(col(DailyPost.seq))).all())


async def test_adaptive_order_end_to_end(harness: Harness) -> None:
    out = await harness.run("/studybot schedule 09:00 UTC daily", "/studybot order adaptive")
    assert "closest to forgetting" in out
    assert "Question order: adaptive" in await harness.run("/studybot status")

    async def day(grade: int) -> str:
        await harness.run(":next-day", ":as bob", ":react 👀", f":click {grade}", ":as carol", ":react 👀",
                          f":click {grade}", ":as alice")
        return posted_questions(harness)[-1]

    q1 = await day(1)  # again: soon forgotten
    q2 = await day(1)
    assert q1 != q2
    assert await day(4) == q1  # post 3 is a review (graded easy now), and q2 was the latest
    q4 = await day(4)  # post 4: a new question
    assert q4 not in (q1, q2)
    assert await day(4) == q2  # post 5: the weakest seen question (q1 was just recalled easily)
    assert await day(4) not in (q1, q2, q4)  # post 6: new


async def test_order_bad_input_changes_nothing(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily")
    before = row_counts(harness.app.db)
    out = await harness.run("/studybot order sideways")
    assert "`sideways` is not a question order: use adaptive or shuffled." in out
    assert "/studybot order adaptive" in out
    assert "Only workspace admins" in await harness.run(":as bob", "/studybot order adaptive")
    assert row_counts(harness.app.db) == before
    assert "Question order: shuffled cycle" in await harness.run(":as alice", "/studybot status")


# ---- vacations ----


def user_id(h: Harness, name: str) -> int:
    with h.app.db.transaction() as s:
        return s.exec(select(User.id).where(User.external_id == name)).one() or 0


async def streak_line(h: Harness, name: str) -> str:
    out = await h.run(f":as {name}", "/streak")
    return next(line for line in out.splitlines() if line.strip().startswith("Current:"))


async def test_vacation_pauses_the_streak_across_a_weekday_schedule(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 Europe/Berlin mon-fri")
    for _ in range(3):  # Mon 2, Tue 3, Wed 4 March: both keep up
        await harness.run(":next-day", ":as bob", ":react 👀", ":as carol", ":react 👀", ":as alice")
    out = await harness.run(":as bob", "/vacation 7")  # said on Wed 4: away up to Tue 10
    assert "streaks are paused" in out and "(only you can see this)" in out
    assert "Vacation: until" in await harness.run("/streak")
    for _ in range(4):  # Thu 5, Fri 6, Mon 9, Tue 10: nobody engages
        await harness.run(":next-day")
    await harness.run(":next-day", ":as bob", ":react 👀", ":as carol", ":react 👀")  # Wed 11
    assert "Current: 4 question days" in await streak_line(harness, "bob")  # paused, then went on
    assert "Current: 1 question day" in await streak_line(harness, "carol")  # broken: no vacation, no freeze
    assert "Vacation:" not in await harness.run(":as bob", "/streak")  # over


async def test_vacation_spends_no_freeze_and_holds_across_dst(harness: Harness) -> None:
    # Daily posts from Mon 2 March; Europe/Berlin moves its clocks on Sunday 29 March.
    await harness.run("/studybot schedule 09:00 Europe/Berlin daily")
    for _ in range(7):  # 7 days in a row earn a freeze
        await harness.run(":next-day", ":as bob", ":react 👀", ":as alice")
    assert "Freezes held: 🧊 (1/2)" in await harness.run(":as bob", "/streak")
    while harness.clock.now() < datetime(2026, 3, 26, tzinfo=UTC):  # up to Thu 26 March
        await harness.run(":next-day", ":as bob", ":react 👀", ":as alice")
    await harness.run(":as bob", "/vacation 5")  # 26 to 30 March
    for _ in range(4):  # 27-30 March, over the DST change on the 29th
        await harness.run(":next-day")
    await harness.run(":next-day", ":as bob", ":react 👀")  # 31 March
    out = await harness.run("/streak")
    assert "Freezes held: 🧊🧊 (2/2)" in out and "Days saved by freezes: 0" in out
    line = await streak_line(harness, "bob")
    assert "Current: 26 question days" in line  # 2-26 March, 27-30 excused, 31 March


def review_dues(h: Harness, name: str) -> dict[str, datetime]:
    with h.app.db.transaction() as s:
        rows = s.exec(select(ReviewState).where(ReviewState.user_id == user_id(h, name))).all()
        return {r.question_id: r.due for r in rows}


def card_dues(h: Harness, name: str) -> dict[str, datetime]:
    with h.app.db.transaction() as s:
        rows = s.exec(select(ReviewState).where(ReviewState.user_id == user_id(h, name))).all()
        return {r.question_id: Card.from_json(r.card).due for r in rows}


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def test_reviews_shift_by_the_vacation_and_back_by_the_days_not_taken(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily", ":next-day", ":as bob", ":react 👀", ":click 3")
    before = review_dues(harness, "bob")
    assert before
    await harness.run("/vacation 10")
    moved = review_dues(harness, "bob")
    assert {q: as_utc(d) - as_utc(before[q]) for q, d in moved.items()} == dict.fromkeys(before, timedelta(days=10))
    assert {q: as_utc(d) for q, d in card_dues(harness, "bob").items()} == {q: as_utc(d) for q, d in moved.items()}
    harness.clock.set(harness.clock.now() + timedelta(days=3))
    out = await harness.run("/vacation off")
    assert "moved back by the 7 days you did not take" in out
    after = review_dues(harness, "bob")
    assert {q: as_utc(d) - as_utc(before[q]) for q, d in after.items()} == dict.fromkeys(before, timedelta(days=3))
    assert "You are not on vacation" in await harness.run("/vacation off")
    with harness.app.db.transaction() as s:
        vacation = s.exec(select(Vacation)).one()
        assert (vacation.end_day - vacation.start_day).days == 3


async def test_no_reminders_on_vacation(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily", ":next-day", ":as bob", ":react 👀", ":click 1")
    await harness.run("/studybot remind on 08:00 UTC")  # the card is due from Mon 2 March, 09:10
    harness.clock.set(datetime(2026, 3, 6, 7, tzinfo=UTC))
    await harness.run("/vacation 3")  # Fri 6 to Sun 8: the overdue card moves 3 days but stays overdue
    services, ports = harness.app.services, {"console": harness.port}

    def nudges() -> int:
        with harness.app.db.transaction() as s:
            return len(s.exec(select(Nudge)).all())

    day = datetime(2026, 3, 6, tzinfo=UTC)
    for offset in range(3):  # 6, 7 and 8 March, 08:30: reviews due, but away
        await tick(services, ports, day + timedelta(days=offset, hours=8, minutes=30))
    assert nudges() == 0
    await tick(services, ports, day + timedelta(days=3, hours=8, minutes=30))  # Mon 9 March: back
    assert nudges() == 1


async def test_stats_show_the_vacation(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily", ":next-day", ":as bob", ":react 👀", "/vacation 2")
    out = await harness.run("/stats")
    assert "Vacation: until Tue, Mar 3, 2026 (streaks paused)" in out


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/vacation 0", "`0` is not a vacation length: use a whole number of days from 1 to 30, or off."),
        ("/vacation 31", "`31` is not a vacation length"),
        ("/vacation soon", "`soon` is not a vacation length"),
        ("/vacation -3", "`-3` is not a vacation length"),
        ("/vacation", "Missing a number of days (1 to 30) or off."),
        ("/vacation 3 4", "Too many arguments: `4`"),
    ],
)
async def test_vacation_bad_input_changes_nothing(harness: Harness, line: str, expected: str) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily", ":next-day", ":as bob", ":react 👀")
    before = row_counts(harness.app.db)
    out = await harness.run(line)
    assert expected in out
    assert "/vacation 7" in out  # the example
    assert row_counts(harness.app.db) == before


# ---- the simulation ----


def test_the_simulation_is_deterministic_under_a_seed() -> None:
    ids = [f"q{i}" for i in range(8)]
    assert simulate(ids, "adaptive", seed=5, days=20) == simulate(ids, "adaptive", seed=5, days=20)
    assert simulate(ids, "shuffled", seed=5, days=20) == simulate(ids, "shuffled", seed=5, days=20)
    assert simulate(ids, "adaptive", seed=5, days=20) != simulate(ids, "adaptive", seed=6, days=20)
    covered = simulate(ids, "adaptive", seed=5, days=2 * len(ids))
    assert covered.coverage == 1.0 and covered.posts == 2 * len(ids)
    assert 0 < covered.retention < 1


def test_the_foresight_order_keeps_more_than_either_order_and_is_deterministic() -> None:
    ids = [f"q{i}" for i in range(8)]
    bound = simulate(ids, "foresight", seed=5, days=20)
    assert bound == simulate(ids, "foresight", seed=5, days=20)
    for order in ("shuffled", "adaptive"):
        assert bound.retention > simulate(ids, order, seed=5, days=20).retention
    assert bound.posts == 20 and bound.coverage == 1.0
