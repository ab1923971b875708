"""Exact numbers of the pure rules: every keyword, boundary and field, so that a changed constant or operator
fails a test (mutation testing on bot/rules checks that these tests notice)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.rules import scoring
from bot.rules.periods import ALL_TIME, keys_for, local_day, month_key, period_key, week_key
from bot.rules.schedule import Schedule, ScheduleError, format_days, parse_days, parse_time
from bot.rules.selection import choose_question, cycle_order
from bot.rules.streaks import (
    FREEZE_EVERY,
    MAX_FREEZES,
    STREAK_BONUS_EVERY,
    StreakState,
    earns_bonus,
    missed_since,
    record_engagement,
    restore,
    visible_current,
)
from bot.rules.timezones import (
    UtcOffset,
    canonical_timezone,
    is_timezone,
    matching_timezones,
    parse_utc_offset,
    suggest_timezones,
)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("daily", {0, 1, 2, 3, 4, 5, 6}),
        ("everyday", {0, 1, 2, 3, 4, 5, 6}),
        ("all", {0, 1, 2, 3, 4, 5, 6}),
        (" All ", {0, 1, 2, 3, 4, 5, 6}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("WEEKDAYS", {0, 1, 2, 3, 4}),
        ("weekend", {5, 6}),
        ("weekends", {5, 6}),
        ("tue-thu", {1, 2, 3}),
        ("wed-wed", {2}),
        ("sat-sun", {5, 6}),
        ("sun-mon", {6, 0}),
        ("sat-tue", {5, 6, 0, 1}),
        ("mon-sun", {0, 1, 2, 3, 4, 5, 6}),
        ("mon, thu-fri", {0, 3, 4}),
        ("sun", {6}),
    ],
)
def test_parse_days_every_keyword_and_range(text: str, days: set[int]) -> None:
    assert parse_days(text) == frozenset(days)


@pytest.mark.parametrize("text", ["weekday", "mon-", "-fri", "mon-fri-sat", ",", "tue-thursdays", "everyday,mon"])
def test_parse_days_rejects_near_misses(text: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_days(text)
    assert caught.value.code == "bad_days" and caught.value.value == text


@pytest.mark.parametrize(
    ("days", "text"),
    [({0, 1, 2, 3, 4, 5, 6}, "daily"), ({0, 1, 2, 3, 4}, "mon-fri"), ({5, 6}, "sat,sun"), ({4, 0, 2}, "mon,wed,fri")],
)
def test_format_days(days: set[int], text: str) -> None:
    assert format_days(frozenset(days)) == text


@pytest.mark.parametrize(
    ("text", "expected"), [("00:00", time(0, 0)), ("23:00", time(23)), ("0:59", time(0, 59)), (" 9:30 ", time(9, 30))]
)
def test_parse_time_boundaries(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "nine", "9", "12:60"])
def test_schedule_error_names_its_code_and_value(text: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_time(text)
    assert (caught.value.code, caught.value.value, str(caught.value)) == ("bad_time", text, f"bad_time: {text}")


def test_question_days_lists_the_schedule_days_inclusive_of_both_ends() -> None:
    schedule = Schedule(time(9), "UTC", parse_days("mon,wed"))
    # 2026-03-02 is a Monday
    days = schedule.question_days(date(2026, 3, 2), date(2026, 3, 11))
    assert days == [date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 9), date(2026, 3, 11)]
    assert schedule.question_days(date(2026, 3, 3), date(2026, 3, 3)) == []
    assert schedule.is_question_day(date(2026, 3, 4)) and not schedule.is_question_day(date(2026, 3, 5))


def test_due_today_at_the_slot_itself_and_not_before() -> None:
    schedule = Schedule(time(9), "UTC", parse_days("daily"))
    slot = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert schedule.due_today(slot) == date(2026, 3, 2)
    assert schedule.due_today(datetime(2026, 3, 2, 8, 59, 59, tzinfo=UTC)) is None
    assert schedule.next_slot(slot) == (date(2026, 3, 3), datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    assert schedule.next_slot(slot.replace(hour=8)) == (date(2026, 3, 2), slot)


# -- streaks


def _engage(*seqs: int) -> StreakState:
    state = StreakState()
    for seq in seqs:
        state = record_engagement(state, seq)
    return state


def test_the_constants_readme_documents() -> None:
    assert (STREAK_BONUS_EVERY, FREEZE_EVERY, MAX_FREEZES) == (5, 7, 2)
    assert (scoring.PARTICIPATION_POINTS, scoring.CORRECT_ANSWER_POINTS, scoring.STREAK_BONUS_POINTS) == (1, 2, 5)


def test_first_engagement_starts_at_one_wherever_it_is() -> None:
    assert _engage(4) == StreakState(current=1, longest=1, last_seq=4)


def test_a_miss_without_freezes_breaks_and_remembers_the_run() -> None:
    state = _engage(1, 2, 3, 5)
    assert state == StreakState(current=1, longest=3, last_seq=5, freezes=0, saved=0, broken_run=3, broken_gap=1)


def test_a_seventh_day_earns_a_freeze_that_covers_one_miss() -> None:
    state = _engage(*range(1, 8))
    assert (state.current, state.freezes) == (7, 1)
    after = record_engagement(state, 9)  # day 8 missed
    assert after == StreakState(current=8, longest=8, last_seq=9, freezes=0, saved=1)


def test_freezes_cover_exactly_the_days_missed_and_no_more() -> None:
    held = StreakState(current=14, longest=14, last_seq=14, freezes=2)
    assert record_engagement(held, 17) == StreakState(15, 15, 17, 0, 2, 0, 0)  # two missed, two spent
    assert record_engagement(held, 18) == StreakState(1, 14, 18, 0, 0, 14, 3)  # three missed: broken
    assert record_engagement(held, 16).freezes == 1


def test_freezes_are_capped() -> None:
    state = StreakState(current=20, longest=20, last_seq=20, freezes=MAX_FREEZES)
    assert record_engagement(state, 21).freezes == MAX_FREEZES  # day 21: a multiple of 7, at the cap
    assert record_engagement(StreakState(6, 6, 6, 1), 7).freezes == 2


def test_longest_is_kept_when_current_is_lower() -> None:
    state = StreakState(current=2, longest=10, last_seq=2)
    assert record_engagement(state, 3).longest == 10


def test_missed_since_and_visible_current() -> None:
    state = StreakState(current=4, longest=4, last_seq=4, freezes=1)
    assert missed_since(state, None) == 0 and missed_since(StreakState(), 9) == 0
    assert [missed_since(state, latest) for latest in (3, 4, 5, 6, 7)] == [0, 0, 0, 1, 2]
    assert [visible_current(state, latest) for latest in (5, 6, 7)] == [4, 4, 0]
    assert visible_current(state, None) == 0 and visible_current(StreakState(), 5) == 0
    # Days 5-8 are open; those on vacation (excused) are not missed: with 3 of them, the one freeze covers the rest.
    assert [missed_since(state, 9, excused) for excused in (0, 1, 2, 3)] == [4, 3, 2, 1]
    assert [visible_current(state, 9, excused) for excused in (0, 2, 3)] == [0, 0, 4]


def test_restore_of_an_open_gap_updates_the_longest_streak() -> None:
    state = StreakState(current=6, longest=6, last_seq=6)
    restored = restore(state, 10)  # days 7, 8, 9 missed; 10 is open
    assert restored == StreakState(current=9, longest=9, last_seq=9)
    assert restore(StreakState(current=2, longest=20, last_seq=6), 10).longest == 20


def test_restore_of_a_break_joins_the_runs_and_updates_the_longest_streak() -> None:
    broken = StreakState(current=2, longest=5, last_seq=9, broken_run=5, broken_gap=2)
    assert restore(broken, 10) == StreakState(current=9, longest=9, last_seq=9)
    assert restore(broken, 9) == restore(broken, 10)
    nothing = StreakState(current=3, longest=3, last_seq=3)
    assert restore(nothing, 4) is nothing and restore(nothing, None) is nothing


def test_bonus_only_when_the_streak_changes_to_a_multiple() -> None:
    four, five = StreakState(current=4), StreakState(current=5)
    assert earns_bonus(four, five)
    assert not earns_bonus(five, five)
    assert not earns_bonus(StreakState(current=5), StreakState(current=6))
    assert earns_bonus(StreakState(current=9), StreakState(current=10))
    assert not earns_bonus(StreakState(current=3), StreakState(current=0))


# -- scoring, periods, selection, timezones


def test_team_score_is_the_mean() -> None:
    assert scoring.team_score(10, 4) == 2.5
    assert scoring.team_score(7, 0) == 0.0
    assert scoring.team_score(0, 3) == 0.0


def test_period_keys() -> None:
    day = date(2026, 3, 5)  # a Thursday
    assert week_key(day) == "week:2026-03-02"
    assert week_key(date(2026, 3, 2)) == "week:2026-03-02" and week_key(date(2026, 3, 8)) == "week:2026-03-02"
    assert month_key(date(2026, 1, 31)) == "month:2026-01"
    assert [period_key(p, day) for p in ("week", "month", "all")] == ["week:2026-03-02", "month:2026-03", ALL_TIME]
    assert keys_for(day) == ("all", "month:2026-03", "week:2026-03-02")
    with pytest.raises(ValueError, match="unknown period 'year'"):
        period_key("year", day)


def test_local_day_follows_the_zone() -> None:
    moment = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert local_day(moment, "UTC") == date(2026, 3, 2)
    assert local_day(moment, "America/Sao_Paulo") == date(2026, 3, 1)
    assert local_day(moment, "Asia/Tokyo") == date(2026, 3, 2)


def test_selection_serves_a_cycle_then_starts_the_next() -> None:
    ids = ["q3", "q1", "q2"]
    order = cycle_order(ids, "seed", 0)
    assert sorted(order) == ["q1", "q2", "q3"] and order == cycle_order(list(reversed(ids)), "seed", 0)
    assert choose_question(ids, [], "seed", 0) == (order[0], 0)
    assert choose_question(ids, order[:2], "seed", 0) == (order[2], 0)
    assert choose_question(ids, order, "seed", 0) == (cycle_order(ids, "seed", 1)[0], 1)
    assert choose_question([], [], "seed", 0) is None


def test_timezones() -> None:
    assert is_timezone("Europe/Berlin") and is_timezone("UTC") and not is_timezone("Berlin")
    assert canonical_timezone("europe/berlin") == "Europe/Berlin" and canonical_timezone("Europe/Berlin") == (
        "Europe/Berlin"
    )
    assert canonical_timezone("Nowhere/Else") is None
    assert suggest_timezones("Berlin") == ["Europe/Berlin"]
    assert suggest_timezones("sao paulo") == ["America/Sao_Paulo"]
    assert suggest_timezones("Berln")[0] == "Europe/Berlin"
    assert suggest_timezones("  ") == []
    assert len(suggest_timezones("America/New_Yrk", limit=1)) == 1
    assert matching_timezones("berl") == ["Europe/Berlin"]
    assert len(matching_timezones("america/", limit=5)) == 5


def test_timezone_suggestions_city_first_then_full_names_and_their_limits() -> None:
    # A city's canonical zone, not the backward-compatible alias of the same place.
    assert suggest_timezones("buenos aires") == ["America/Argentina/Buenos_Aires"]
    # No city is close; full names are.
    assert suggest_timezones("Europe/Berln") == ["Europe/Berlin", "Europe/Dublin", "Europe/Belfast"]
    assert len(suggest_timezones("Europe/Lond")) == 3  # the default limit, with more candidates than that
    assert suggest_timezones("Europe/Lond", limit=5)[0] == "Europe/London"
    assert len(matching_timezones("a")) == 25  # the default limit
    assert len(matching_timezones("a", limit=30)) == 30


def test_timezone_suggestions_for_abbreviations_cities_in_three_part_zones_and_near_misses() -> None:
    assert suggest_timezones("CET") == ["Europe/Paris", "Europe/Berlin", "Europe/Madrid"]  # ambiguous: all three
    assert suggest_timezones("cet", limit=1) == ["Europe/Paris"]
    assert suggest_timezones("IST", limit=2) == ["Asia/Kolkata", "Europe/Dublin"]
    # The city is the last part of the zone name, however many parts it has; every zone of that city, sorted.
    assert suggest_timezones("louisville") == ["America/Kentucky/Louisville", "America/Louisville"]
    assert suggest_timezones("Santa") == ["America/Argentina/Salta", "America/Santiago", "America/Santarem"]
    # Close enough (75 % alike) or nothing: "Parigi" is not Paris, Riga or Marigot.
    assert suggest_timezones("Parigi", limit=5) == []
    # Full names: as many as asked for, only the close ones.
    assert suggest_timezones("Europe/Parigi", limit=5) == ["Europe/Paris", "Europe/Riga", "Europe/Prague",
                                                           "Europe/Madrid"]
    assert len(suggest_timezones("Europe/Lond", limit=5)) == 5
    # A full name typed with spaces for underscores is compared with its underscores back.
    assert suggest_timezones("America/Port au Prince") == ["America/Port-au-Prince", "America/Porto_Acre",
                                                           "America/Port_of_Spain"]


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("UTC+3", 180), ("utc-3", -180), ("GMT+5:30", 330), ("+05:30", 330), ("-0330", -210), ("+3h30", 210),
        ("UTC + 3", 180), ("\u22123", -180), ("z+1", 60), ("+14", 840), ("-14", -840), ("+0", 0), (" UTC-03:00 ", -180),
        ("GMT+12:45", 765), ("UTC + 05 : 30", 330),
    ],
)
def test_utc_offsets_as_typed(typed: str, minutes: int) -> None:
    assert parse_utc_offset(typed) == UtcOffset(minutes)


@pytest.mark.parametrize("typed", ["+15", "UTC+3:60", "UTC", "3", "Europe/Berlin", "UTC+3:5", "utc*3", ""])
def test_what_is_not_a_utc_offset(typed: str) -> None:
    assert parse_utc_offset(typed) is None


@pytest.mark.parametrize(
    ("minutes", "label", "etc_zone", "places"),
    [
        (180, "+3", "Etc/GMT-3", ["Europe/Istanbul", "Europe/Moscow", "Asia/Riyadh"]),
        (-180, "-3", "Etc/GMT+3", ["America/Sao_Paulo", "America/Argentina/Buenos_Aires"]),
        (330, "+5:30", None, ["Asia/Kolkata", "Asia/Colombo"]),
        (-210, "-3:30", None, ["America/St_Johns"]),
        (0, "+0", "UTC", ["Europe/London", "Europe/Lisbon"]),
        (765, "+12:45", None, []),
        (840, "+14", "Etc/GMT-14", ["Pacific/Kiritimati"]),
        (-720, "-12", "Etc/GMT+12", []),
    ],
)
def test_a_utc_offset_names_its_fixed_zone_and_the_places_on_it(
    minutes: int, label: str, etc_zone: str | None, places: list[str]
) -> None:
    offset = UtcOffset(minutes)
    assert offset.label == label
    assert offset.etc_zone == etc_zone
    assert offset.places() == places[:3]
    assert offset.places(limit=1) == places[:1]


def test_restore_bridges_a_gap_of_one_day() -> None:
    state = StreakState(current=6, longest=6, last_seq=6)
    assert restore(state, 8) == StreakState(current=7, longest=7, last_seq=7)  # day 7 missed, day 8 open
