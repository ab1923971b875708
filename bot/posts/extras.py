"""Scheduled extras due at a moment: the weekly leaderboard with its recap, and the end-of-day reveal."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from bot.ports import ChatPort, PlatformError
from bot.posts.claims import sent_post
from bot.posts.reveal import post_eod, post_recap
from bot.posts.weekly import post_weekly
from bot.rules.schedule import WEEKDAYS, Schedule, parse_time
from bot.services.container import Services
from bot.services.directory import channel_schedule, enabled_channels
from bot.storage.ids import id_of

log = logging.getLogger(__name__)


async def post_extras(
    services: Services,
    ports: Mapping[str, ChatPort],
    now: datetime,
    *,
    platform: str | None = None,
    channel_id: int | None = None,
) -> None:
    """Weekly leaderboards and end-of-day reveals due at ``now`` (same-day catch-up, never a day late)."""
    with services.db.transaction() as session:
        rows = [(channel, tenant) for tenant, channel in enabled_channels(session, platform, channel_id)]
    for channel, tenant in rows:
        port = ports.get(tenant.platform)
        if port is None:
            continue
        schedule = channel_schedule(channel)
        today = schedule.local_date(now)
        try:
            if channel.weekly_day != "off" and today.weekday() == WEEKDAYS.index(channel.weekly_day):
                daily = sent_post(services, id_of(channel), today)
                slot = schedule.slot_on(today)
                if (daily is not None or not schedule.is_question_day(today)) and now >= slot:
                    await post_weekly(services, port, channel, tenant, today, now)
                    await post_recap(services, port, channel, tenant, today, now)
            if channel.eod_time:
                at = Schedule(parse_time(channel.eod_time), schedule.timezone, schedule.days).slot_on(today)
                daily = sent_post(services, id_of(channel), today)
                if daily is not None and now >= at:
                    await post_eod(services, port, channel, tenant, daily, now)
        except PlatformError as exc:
            log.warning("scheduled post failed", extra={"channel": channel.external_id, "error": str(exc)})
