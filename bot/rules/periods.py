"""Leaderboard periods as keys of running totals: all time, a calendar week (Monday first) and a month.

A point counts in the week and month of the local calendar of the channel where it was earned; a leaderboard asks
for the key of the period it shows, in the asking channel's calendar.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

ALL_TIME = "all"
PERIODS = ("week", "month", "all")


def week_key(day: date) -> str:
    return f"week:{(day - timedelta(days=day.weekday())).isoformat()}"


def month_key(day: date) -> str:
    return f"month:{day.year:04d}-{day.month:02d}"


def period_key(period: str, day: date) -> str:
    """The key of the ``period`` (week, month or all) that holds the local ``day``."""
    if period == "week":
        return week_key(day)
    if period == "month":
        return month_key(day)
    if period == "all":
        return ALL_TIME
    raise ValueError(f"unknown period {period!r}")


def keys_for(day: date) -> tuple[str, str, str]:
    """Every key a point earned on the local ``day`` adds to, in a fixed order (row locks are taken in it)."""
    return (ALL_TIME, month_key(day), week_key(day))


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()
