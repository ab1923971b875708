"""An APScheduler trigger that fires at a Schedule's slots, so that the jobs, the minute sweep and the catch-up rule
share one computation of "when" (a time in a spring-forward gap fires at the gap's end, 03:00 for 02:30 in Berlin,
where a cron trigger would fire at 03:30)."""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.base import BaseTrigger

from bot.rules.schedule import Schedule


class SlotTrigger(BaseTrigger):
    def __init__(self, schedule: Schedule):
        self.schedule = schedule
        self.timezone = schedule.zone

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        after = previous_fire_time if previous_fire_time is not None else now - timedelta(microseconds=1)
        return self.schedule.next_slot(after)[1]

    def __str__(self) -> str:
        s = self.schedule
        return f"slots[{s.post_time:%H:%M} {s.timezone} {sorted(s.days)}]"
