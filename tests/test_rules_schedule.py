"""Question days from schedules: local dates via zoneinfo, across DST changes in several zones."""

from __future__ import annotations

import time as process_clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.schedule import Schedule, ScheduleError, format_days, parse_days, parse_time

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Sao_Paulo", "Asia/Kolkata", "UTC"]


@pytest.mark.parametrize(("text", "expected"), [("09:00", time(9)), ("7:05", time(7, 5)), ("23:59", time(23, 59))])
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "24:00", "9", "09:60", "nine", "", "09:00:00", "-1:00"])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("daily", set(range(7))),
        ("mon-fri", set(range(5))),
        ("weekends", {5, 6}),
        ("mon,wed,fri", {0, 2, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("TUE", {1}),
        ("monday", {0}),  # names in full, and in Portuguese
        ("seg-sex", set(range(5))),
        ("seg,qua,sexta-feira", {0, 2, 4}),
        ("sáb-dom", {5, 6}),
        ("fds", {5, 6}),
    ],
)
def test_parse_days(text: str, days: set[int]) -> None:
    assert parse_days(text) == frozenset(days)


@pytest.mark.parametrize("text", ["", "someday", "mon,,", "mon-xyz", "mondays", "som"])
def test_parse_days_rejects(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_days(text)


def test_format_days_round_trip() -> None:
    for spec in ("daily", "mon-fri", "mon,wed,fri", "sat,sun"):
        assert parse_days(format_days(parse_days(spec))) == parse_days(spec)


def test_spring_forward_gap_posts_once_just_after_the_gap() -> None:
    berlin = Schedule(time(2, 30), "Europe/Berlin", parse_days("daily"))
    # 29 March 2026: 02:00 -> 03:00 in Berlin; 02:30 does not exist.
    slot = berlin.slot_on(date(2026, 3, 29))
    assert slot == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert slot.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") == "03:00"  # the first instant after it


@pytest.mark.parametrize("slot_time", [time(2, 0), time(2, 1), time(2, 10), time(2, 30), time(2, 59)])
def test_any_time_in_the_spring_forward_gap_posts_when_the_gap_ends(slot_time: time) -> None:
    # Not only the gap's midpoint: wherever the wanted time falls in the missing hour, the post goes at 03:00.
    berlin = Schedule(slot_time, "Europe/Berlin", parse_days("daily"))
    assert berlin.slot_on(date(2026, 3, 29)) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_slots_and_local_dates_do_not_depend_on_the_machines_timezone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    process_clock.tzset()
    try:
        sao_paulo = Schedule(time(9, 0), "America/Sao_Paulo", parse_days("daily"))
        assert sao_paulo.local_date(datetime(2026, 3, 2, 1, 30, tzinfo=UTC)) == date(2026, 3, 1)
        berlin = Schedule(time(2, 30), "Europe/Berlin", parse_days("daily"))
        for day in (date(2026, 3, 28), date(2026, 3, 29)):  # a plain day, and one in the spring-forward gap
            slot = berlin.slot_on(day)
            assert slot.tzinfo is UTC and slot.isoformat().endswith("+00:00")
    finally:
        monkeypatch.undo()
        process_clock.tzset()


def test_fall_back_posts_once_at_the_first_occurrence() -> None:
    new_york = Schedule(time(1, 30), "America/New_York", parse_days("daily"))
    # 1 November 2026: 01:30 happens twice in New York; the first is 05:30 UTC (EDT).
    day, slot = new_york.next_slot(datetime(2026, 11, 1, 4, 0, tzinfo=UTC))
    assert (day, slot) == (date(2026, 11, 1), datetime(2026, 11, 1, 5, 30, tzinfo=UTC))
    day2, _ = new_york.next_slot(slot)
    assert day2 == date(2026, 11, 2)  # the second 01:30 is not a second slot


def test_09_00_follows_the_wall_clock_across_dst() -> None:
    berlin = Schedule(time(9), "Europe/Berlin", parse_days("daily"))
    assert berlin.slot_on(date(2026, 3, 28)) == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    assert berlin.slot_on(date(2026, 3, 29)) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    assert berlin.slot_on(date(2026, 10, 25)) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)


def test_lord_howe_half_hour_shift() -> None:
    lord_howe = Schedule(time(2, 15), "Australia/Lord_Howe", parse_days("daily"))
    # 5 April 2026: clocks go back from 02:00 to 01:30; 6 October 2026: forward from 02:00 to 02:30.
    back = lord_howe.slot_on(date(2026, 4, 5))
    assert back.astimezone(ZoneInfo("Australia/Lord_Howe")).date() == date(2026, 4, 5)
    forward = lord_howe.slot_on(date(2026, 10, 4))
    assert forward.astimezone(ZoneInfo("Australia/Lord_Howe")).strftime("%H:%M") == "02:30"  # the gap's end


def test_due_today_is_the_catch_up_rule() -> None:
    sched = Schedule(time(9), "America/Sao_Paulo", parse_days("mon-fri"))
    monday_before = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)  # 08:00 in São Paulo
    assert sched.due_today(monday_before) is None
    assert sched.due_today(monday_before + timedelta(hours=2)) == date(2026, 3, 2)
    saturday = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)
    assert sched.due_today(saturday) is None


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    days=st.sets(st.integers(0, 6), min_size=1),
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(UTC)),
)
def test_next_slot_walks_every_question_day_once(
    zone: str, hour: int, minute: int, days: set[int], start: datetime
) -> None:
    """Stepping from slot to slot over 60 days visits each question day exactly once, in order, each slot on its
    own local date, whatever the zone's DST rules."""
    sched = Schedule(time(hour, minute), zone, frozenset(days))
    seen: list[date] = []
    instant = start
    first_day = None
    while True:
        day, slot = sched.next_slot(instant)
        assert slot > instant
        first_day = first_day or day
        if day > first_day + timedelta(days=60):
            break
        assert slot.astimezone(ZoneInfo(zone)).date() == day
        seen.append(day)
        instant = slot
    assert seen == sched.question_days(first_day, seen[-1])
    assert len(seen) == len(set(seen))
