"""Timetables as APScheduler jobs, rebuilt from the database, which is the truth.

Each enabled channel gets a job at its local post time (and one at its end-of-day reveal time when set),
firing at the same slots the sweep computes (``SlotTrigger``).
A sweep every minute catches up whatever is due and unposted (after downtime, a failed send, a time skipped by
a DST change, a schedule changed on another replica) and re-syncs the jobs with the database. Exactly-once
comes from the claims in the database, never from the scheduler: two replicas may both fire, one posts.

Job options, on purpose:
- ``misfire_grace_time=900``: a run up to 15 minutes late (a busy loop, a suspended laptop) still runs;
  later ones are left to the sweep, which applies the same-question-day rule.
- ``coalesce=True``: several missed runs of one job collapse into one; a day has one post anyway.
- ``max_instances=1``: a channel's job never overlaps itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.ports import ChatPort
from bot.posts.daily import post_daily
from bot.posts.due import DEFAULT_CONCURRENCY, post_due
from bot.posts.extras import post_extras
from bot.reminders import send_nudges
from bot.rules.schedule import Schedule, parse_days, parse_time
from bot.services.container import Services
from bot.services.directory import channel_schedule, enabled_channels
from bot.storage.models import Channel, Tenant
from scheduler.triggers import SlotTrigger

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"misfire_grace_time": 900, "coalesce": True, "max_instances": 1}
SWEEP_JOB = "sweep"


def _cron(hhmm: str, days: str, timezone: str) -> SlotTrigger:
    return SlotTrigger(Schedule(parse_time(hhmm), timezone, parse_days(days)))


class Scheduler:
    """Owns the AsyncIOScheduler; ``start()`` in a running loop, ``shutdown()`` to stop."""

    def __init__(
        self,
        services: Services,
        ports: Mapping[str, ChatPort],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        sweep_seconds: int = 60,
    ):
        self.services = services
        self.ports = dict(ports)
        self.concurrency = concurrency
        self.sweep_seconds = sweep_seconds
        self._aps = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},  # never shared between replicas
            executors={"default": AsyncIOExecutor()},
            job_defaults=JOB_DEFAULTS,
            timezone="UTC",
        )
        self._signatures: dict[str, tuple] = {}
        self._in_flight: set[asyncio.Task] = set()

    @property
    def jobs(self) -> list[str]:
        return sorted(job.id for job in self._aps.get_jobs())

    def start(self) -> None:
        self.sync()
        self._aps.add_job(
            self._sweep,
            "interval",
            seconds=self.sweep_seconds,
            id=SWEEP_JOB,
            replace_existing=True,
            next_run_time=self.services.clock.now(),
        )
        self._aps.start()
        self.services.schedule_listeners.append(self._on_schedule_change)
        log.info("scheduler started", extra={"jobs": len(self._aps.get_jobs())})

    async def shutdown(self, timeout: float = 30.0) -> None:
        """Stop firing new jobs and let the posts in flight finish (claims left by any still unfinished after
        ``timeout`` are taken over by the next start once their lease runs out).

        APScheduler's own shutdown cancels running coroutine jobs, so it comes last."""
        if self._on_schedule_change in self.services.schedule_listeners:
            self.services.schedule_listeners.remove(self._on_schedule_change)
        if self._aps.running:
            self._aps.pause()
        pending = [task for task in self._in_flight if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        if self._aps.running:
            self._aps.shutdown(wait=False)

    def sync(self) -> None:
        """Make the jobs match the enabled channels in the database."""
        wanted: dict[str, tuple] = {}
        with self.services.db.transaction() as session:
            rows = enabled_channels(session)
        for tenant, channel in rows:
            if tenant.platform not in self.ports:
                continue
            wanted[f"daily:{channel.id}"] = (channel.post_time, channel.days, channel.timezone)
            if channel.eod_time:
                wanted[f"eod:{channel.id}"] = (channel.eod_time, "daily", channel.timezone)
        for job_id in list(self._signatures):
            if job_id not in wanted:
                self._aps.remove_job(job_id)
                del self._signatures[job_id]
        for job_id, signature in wanted.items():
            if self._signatures.get(job_id) == signature:
                continue
            kind, channel_id = job_id.split(":")
            func = self._fire_daily if kind == "daily" else self._fire_extras
            self._aps.add_job(func, _cron(*signature), args=[int(channel_id)], id=job_id, replace_existing=True)
            self._signatures[job_id] = signature

    def _on_schedule_change(self, _channel_id: int) -> None:
        self.sync()

    def _track(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _fire_daily(self, channel_id: int) -> None:
        self._track()
        now = self.services.clock.now()
        with self.services.db.transaction() as session:
            channel = session.get(Channel, channel_id)
            tenant = session.get(Tenant, channel.tenant_id) if channel else None
        if channel is None or tenant is None or not channel.enabled or tenant.platform not in self.ports:
            return
        day = channel_schedule(channel).due_today(now)
        if day is None:
            return
        port = self.ports[tenant.platform]
        await post_daily(self.services, port, channel_id, day, scheduled=True)
        await post_extras(self.services, self.ports, self.services.clock.now(), channel_id=channel_id)

    async def _fire_extras(self, channel_id: int) -> None:
        self._track()
        await post_extras(self.services, self.ports, self.services.clock.now(), channel_id=channel_id)

    async def _sweep(self) -> None:
        self._track()
        try:
            self.sync()
            await tick(self.services, self.ports, self.services.clock.now(), concurrency=self.concurrency)
        except Exception as exc:
            from sqlalchemy.exc import DBAPIError

            if isinstance(exc, DBAPIError):
                self.services.metrics.database_errors.labels("sweep").inc()
            log.exception("scheduler sweep failed")


async def tick(
    services: Services,
    ports: Mapping[str, ChatPort],
    at: datetime,
    *,
    platform: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> dict[str, int]:
    """Run, once, everything due at ``at``: daily questions not yet out, weekly leaderboards, end-of-day reveals.
    Safe beside a running bot: claims decide who posts. Returns counts by outcome."""
    results = await post_due(services, ports, at, platform=platform, concurrency=concurrency)
    selected = {name: port for name, port in ports.items() if platform in (None, name)}
    nudges = await send_nudges(services, selected, at)
    counts: dict[str, int] = {"nudged": nudges} if nudges else {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    return counts
