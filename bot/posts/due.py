"""The fan-out: every daily question due at a moment, posted concurrently, then the scheduled extras."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select as core_select
from sqlmodel import col

from bot.ports import ChatPort
from bot.posts.daily import CLAIM_LEASE, MAX_ATTEMPTS, PostResult, post_daily
from bot.posts.extras import post_extras
from bot.services.container import Services
from bot.services.directory import channel_schedule, enabled_channels
from bot.storage.ids import id_of
from bot.storage.models import DailyPost

log = logging.getLogger(__name__)


#: How many posts are in flight at once per platform during a fan-out.
DEFAULT_CONCURRENCY = 20


@dataclass(frozen=True)
class Due:
    channel_id: int
    platform: str
    question_day: date


def due_posts(services: Services, now: datetime, platform: str | None = None) -> list[Due]:
    """Enabled channels whose question day is open at ``now`` (today's slot has passed, the local day is not over)
    and whose post for it is missing, failed, or claimed by a process that never finished."""
    with services.db.transaction() as session:
        candidates: list[Due] = []
        for tenant, channel in enabled_channels(session, platform):
            day = channel_schedule(channel).due_today(now)
            if day is not None:
                candidates.append(Due(id_of(channel), tenant.platform, day))
        if not candidates:
            return []
        done: set[tuple[int, date]] = set()
        stale = now - CLAIM_LEASE
        ids = [c.channel_id for c in candidates]
        for start in range(0, len(ids), 500):
            rows = session.connection().execute(
                core_select(
                    col(DailyPost.channel_id),
                    col(DailyPost.question_day),
                    col(DailyPost.status),
                    col(DailyPost.claimed_at),
                    col(DailyPost.attempts),
                ).where(
                    col(DailyPost.channel_id).in_(ids[start : start + 500]),
                    col(DailyPost.question_day) >= min(c.question_day for c in candidates),
                )
            ).all()
            for channel_id, day, status, claimed_at, attempts in rows:
                retry = attempts < MAX_ATTEMPTS and (status == "failed" or (status == "claimed" and claimed_at < stale))
                if not retry:
                    done.add((channel_id, day))
    return [c for c in candidates if (c.channel_id, c.question_day) not in done]


async def post_due(
    services: Services,
    ports: Mapping[str, ChatPort],
    now: datetime,
    *,
    platform: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> list[PostResult]:
    """Post every due daily question, at most ``concurrency`` at a time per platform. One channel failing does
    not stop the others. Weekly leaderboards and end-of-day reveals that are due go out too."""
    due = due_posts(services, now, platform)
    limits = {name: asyncio.Semaphore(concurrency) for name in ports}

    async def one(item: Due) -> PostResult:
        port = ports.get(item.platform)
        if port is None:
            return PostResult("no_platform", channel_id=item.channel_id)
        async with limits[item.platform]:
            try:
                return await post_daily(services, port, item.channel_id, item.question_day, scheduled=True)
            except Exception as exc:  # a bug or an outage for one channel must not stop the fan-out
                log.exception("posting failed", extra={"channel": item.channel_id})
                return PostResult("failed", error=f"{type(exc).__name__}: {exc}", channel_id=item.channel_id)

    results = list(await asyncio.gather(*(one(item) for item in due)))
    await post_extras(services, ports, now, platform=platform)
    return results
