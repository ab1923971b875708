"""Streaks over question days: pure properties, and the whole bot across DST with weekday schedules."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.clock import ManualClock
from bot.rules.schedule import Schedule, parse_days
from bot.rules.selection import choose_question, cycle_order
from bot.rules.streaks import StreakState, earns_bonus, record_engagement, visible_current
from tests.conftest import Harness, make_app


def reference(engaged: list[bool]) -> tuple[int, int]:
    """(current as seen while the last day is open, longest), simulated day by day: a question day missed spends
    a freeze when one is held (the streak goes on), else the streak breaks; 7 days in a row earn a freeze (max 2)."""
    run = longest = freezes = 0
    alive = False
    for index, flag in enumerate(engaged):
        last_day = index == len(engaged) - 1
        if flag:
            run = run + 1 if alive else 1
            alive = True
            if run % 7 == 0:
                freezes = min(2, freezes + 1)
            longest = max(longest, run)
        elif not last_day and alive:  # the day closed unanswered
            if freezes:
                freezes -= 1
            else:
                alive, run = False, 0
    return (run if alive else 0), longest


@settings(max_examples=400)
@given(st.lists(st.booleans(), min_size=1, max_size=60))
@example([True] * 7 + [False, False, True, False, False])  # a freeze spent, then a break: no freeze left
def test_streak_matches_reference(engaged: list[bool]) -> None:
    state = StreakState()
    for seq, flag in enumerate(engaged, start=1):
        if flag:
            state = record_engagement(state, seq)
    assert (visible_current(state, len(engaged)), state.longest) == reference(engaged)


@given(st.lists(st.integers(1, 30), max_size=40))
def test_engaging_twice_or_late_changes_nothing(seqs: list[int]) -> None:
    state = StreakState()
    for seq in seqs:
        after = record_engagement(state, seq)
        assert record_engagement(after, seq) == after
        state = after
    assert state.longest >= state.current


def test_bonus_every_fifth_day() -> None:
    state, bonuses = StreakState(), []
    for seq in range(1, 12):
        after = record_engagement(state, seq)
        bonuses.append(earns_bonus(state, after))
        state = after
    assert [i + 1 for i, b in enumerate(bonuses) if b] == [5, 10]


def test_selection_no_repeat_until_exhausted_then_new_cycle() -> None:
    ids = [f"q{i}" for i in range(7)]
    used: list[str] = []
    cycle = 0
    served = []
    for _ in range(14):
        qid, new_cycle = choose_question(ids, set(used), "seed", cycle)  # type: ignore[misc]
        if new_cycle != cycle:
            cycle, used = new_cycle, []
        used.append(qid)
        served.append(qid)
    assert sorted(served[:7]) == ids and sorted(served[7:]) == ids
    assert served[:7] == cycle_order(ids, "seed", 0) and served[7:] == cycle_order(ids, "seed", 1)
    assert cycle_order(ids, "seed", 0) != cycle_order(ids, "other", 0)
    assert choose_question([], set(), "seed", 0) is None


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]),
    post_at=st.sampled_from(["09:00", "02:30", "23:45"]),
    days=st.sampled_from(["daily", "mon-fri", "mon,wed,fri"]),
    engaged=st.lists(st.booleans(), min_size=3, max_size=12),
    start_offset=st.integers(0, 20),
)
async def test_streaks_through_the_bot_across_dst(
    tmp_path_factory, zone: str, post_at: str, days: str, engaged: list[bool], start_offset: int
) -> None:
    """Whatever the zone, time and weekdays, around a DST change: engaging on a question day keeps the streak,
    missing one breaks it, days off do not count, and the bot's numbers match the reference."""
    start = datetime(2026, 3, 20, tzinfo=UTC) + timedelta(days=start_offset)  # spans late-March/April changes
    clock = ManualClock(start)
    db = tmp_path_factory.mktemp("streak") / "s.db"
    app = make_app(f"sqlite:///{db}", clock)
    try:
        h = Harness(app, clock, db.parent / "files")
        await h.run(f"/studybot schedule {post_at} {zone} {days}")
        sched = Schedule(time(*map(int, post_at.split(":"))), zone, parse_days(days))
        posted_days = []
        for flag in engaged:
            await h.run(":next-day")
            posted_days.append(sched.local_date(clock.now()))
            if flag:
                await h.run(":as bob", ":react 👀", ":as alice")
        assert len(set(posted_days)) == len(posted_days)
        assert all(sched.is_question_day(d) for d in posted_days)
        out = await h.run(":as bob", "/streak")
        current, longest = reference(engaged)
        if any(engaged):
            def days(n: int) -> str:
                return f"{n} question day{'' if n == 1 else 's'}"

            assert f"Current: {days(current)}" in out and f"Longest: {days(longest)}" in out
        else:
            assert "No streak yet" in out
    finally:
        app.close()


def test_freezes_are_earned_held_spent_and_capped() -> None:
    state = StreakState()
    for seq in range(1, 15):  # 14 days in a row: two freezes
        state = record_engagement(state, seq)
    assert (state.current, state.freezes) == (14, 2)
    for seq in range(15, 22):  # 7 more: still two, the cap
        state = record_engagement(state, seq)
    assert (state.current, state.freezes) == (21, 2)
    state = record_engagement(state, 23)  # day 22 missed: a freeze is spent, the streak goes on
    assert (state.current, state.freezes, state.saved) == (22, 1, 1)
    assert visible_current(state, 25) == 22  # day 24 missed so far, one freeze covers it
    assert visible_current(state, 26) == 0  # two missed, one freeze: broken
    state = record_engagement(state, 27)  # 24, 25, 26 missed: more than the freezes held
    assert (state.current, state.freezes, state.broken_run, state.broken_gap) == (1, 0, 22, 3)
    assert state.longest == 22


def test_restore_bridges_the_open_gap_or_the_last_break() -> None:
    from bot.rules.streaks import restore

    state = StreakState()
    for seq in (1, 2, 3):
        state = record_engagement(state, seq)
    assert visible_current(state, 6) == 0  # days 4 and 5 missed during an outage
    restored = restore(state, 6)
    assert visible_current(restored, 6) == 5 and restored.last_seq == 5
    broken = record_engagement(state, 6)  # or the member came back first: the break already happened
    assert broken.current == 1
    assert restore(broken, 6).current == 6 and restore(broken, 6).broken_run == 0
    assert restore(StreakState(), 3) == StreakState()
