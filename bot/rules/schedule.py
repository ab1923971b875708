"""A channel's timetable (time of day, IANA zone, weekdays) and the question days it yields.

A *question day* is the local calendar date of a scheduled post. Local dates come from zoneinfo; nothing
here adds 24 hours to get "tomorrow", so 23- and 25-hour DST days are handled by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAILY_WORDS = ("daily", "everyday", "all", "diario", "diário", "diariamente", "todos")
WEEKDAYS_WORDS = ("weekdays", "uteis", "úteis", "dias-uteis", "dias-úteis")
WEEKEND_WORDS = ("weekends", "weekend", "fds", "fim-de-semana", "fins-de-semana")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class ScheduleError(ValueError):
    """A schedule argument that cannot be understood; ``code`` names the translated message."""

    def __init__(self, code: str, value: str):
        super().__init__(f"{code}: {value}")
        self.code = code
        self.value = value


def parse_time(text: str) -> time:
    match = _TIME.match(text.strip())
    if not match:
        raise ScheduleError("bad_time", text)
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ScheduleError("bad_time", text)
    return time(hour, minute)


def parse_days(text: str) -> frozenset[int]:
    """``daily``, ``weekdays``/``mon-fri``, ``weekends``, a range ``tue-thu`` or a list ``mon,wed,fri``; day names in
    English or Portuguese (``seg-sex``, ``seg,qua,sex``, ``diario``, ``fds``)."""
    from bot.i18n.words import parse_weekday

    spec = text.strip().casefold()
    if spec in DAILY_WORDS:
        return frozenset(range(7))
    if spec in WEEKDAYS_WORDS:
        return frozenset(range(5))
    if spec in WEEKEND_WORDS:
        return frozenset((5, 6))
    days: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        single = parse_weekday(part)  # "sexta-feira" has a dash of its own
        if single is not None:
            days.add(single)
        elif "-" in part:
            first, _, last = (parse_weekday(p) for p in part.partition("-"))
            if first is None or last is None:
                raise ScheduleError("bad_days", text)
            span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
            days.update(span)
        else:
            raise ScheduleError("bad_days", text)
    return frozenset(days)  # never empty: every part adds a day or raises


def format_days(days: frozenset[int]) -> str:
    if days == frozenset(range(7)):
        return "daily"
    if days == frozenset(range(5)):
        return "mon-fri"
    return ",".join(WEEKDAYS[d] for d in sorted(days))


@dataclass(frozen=True)
class Schedule:
    post_time: time
    timezone: str
    days: frozenset[int]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def slot_on(self, day: date) -> datetime:
        """The UTC instant of the post on local date ``day``.

        A time that does not exist that day (spring forward: 02:30 in Berlin) resolves to the first instant after
        the gap (03:00); a time that exists twice (fall back) is its first occurrence. Either way, one slot per day.
        """
        local = datetime.combine(day, self.post_time, tzinfo=self.zone)  # fold=0: first occurrence
        slot = local.astimezone(UTC)
        if slot.astimezone(self.zone).replace(tzinfo=None) == local.replace(tzinfo=None):
            return slot
        return _gap_end(self.zone, local.replace(fold=1).astimezone(UTC), slot)

    def is_question_day(self, day: date) -> bool:
        return day.weekday() in self.days

    def next_slot(self, after: datetime) -> tuple[date, datetime]:
        """The first (question day, UTC slot) strictly after ``after``."""
        day = self.local_date(after) - timedelta(days=1)
        for _ in range(16):
            if self.is_question_day(day):
                slot = self.slot_on(day)
                if slot > after:
                    return day, slot
            day += timedelta(days=1)
        raise AssertionError("a schedule has at least one weekday")  # pragma: no cover

    def due_today(self, now: datetime) -> date | None:
        """Today's question day if its slot has passed and the local day is not over, else None.

        This is the catch-up rule: a missed post goes out later the same local day, never the day after.
        """
        today = self.local_date(now)
        if self.is_question_day(today) and self.slot_on(today) <= now:
            return today
        return None

    def question_days(self, start: date, end: date) -> list[date]:
        """Every question day from ``start`` to ``end`` inclusive."""
        out, day = [], start
        while day <= end:
            if self.is_question_day(day):
                out.append(day)
            day += timedelta(days=1)
        return out


def _gap_end(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The instant a spring-forward gap ends, between ``before`` and ``after`` (whole seconds, the old offset at
    the earlier one), found by bisection to the second: zoneinfo exposes no list of transitions."""
    lo, hi = sorted((int(before.timestamp()), int(after.timestamp())))
    new_offset = datetime.fromtimestamp(hi, zone).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).utcoffset() == new_offset:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)
