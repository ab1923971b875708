"""The claim ledger of scheduled extras (weekly leaderboard, recap, end-of-day reveal): each goes out once per
channel, kind and day."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import select

from bot.services import posting
from bot.services.container import Services
from bot.storage.db import insert_ignore
from bot.storage.models import Channel, DailyPost, ScheduledPost


def sent_post(services: Services, channel_id: int, day: date) -> DailyPost | None:
    with services.db.transaction() as session:
        post = posting.post_for_day(session, channel_id, day)
        return post if post is not None and post.status == "sent" else None


def claim_extra(services: Services, channel: Channel, kind: str, day: date, now: datetime) -> int | None:
    with services.db.transaction() as session:
        if not insert_ignore(
            session,
            ScheduledPost,
            tenant_id=channel.tenant_id,
            channel_id=channel.id,
            kind=kind,
            day=day,
            status="claimed",
            claimed_at=now,
        ):
            return None
        row = session.exec(
            select(ScheduledPost).where(
                ScheduledPost.channel_id == channel.id, ScheduledPost.kind == kind, ScheduledPost.day == day
            )
        ).one()
        return row.id


def mark_extra(services: Services, extra_id: int, message_id: str) -> None:
    with services.db.transaction() as session:
        row = session.get(ScheduledPost, extra_id)
        if row is not None:
            row.status, row.message_id = "sent", message_id
            session.add(row)
