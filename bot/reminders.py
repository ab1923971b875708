"""The daily review nudge: a direct message to members who opted in, in their own timezone, at most once a day,
only when reviews are due."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.i18n import t
from bot.messages import Kind, Message
from bot.ports import ChatPort, PlatformError
from bot.rules.schedule import parse_time
from bot.services import reviews, vacations
from bot.services.container import Services
from bot.storage.db import insert_ignore
from bot.storage.ids import id_of
from bot.storage.models import Nudge, Reminder, Tenant, User

log = logging.getLogger(__name__)


async def send_nudges(services: Services, ports: Mapping[str, ChatPort], now: datetime) -> int:
    """Send the nudges due at ``now``; returns how many went out."""
    with services.db.transaction() as session:
        rows = session.exec(
            select(Reminder, User, Tenant)
            .join(User, col(User.id) == Reminder.user_id)
            .join(Tenant, col(Tenant.id) == Reminder.tenant_id)
            .where(Reminder.enabled == True)  # noqa: E712
        ).all()
    sent = 0
    for reminder, user, tenant in rows:
        port = ports.get(tenant.platform)
        local = now.astimezone(ZoneInfo(reminder.timezone))
        if port is None or local.time() < parse_time(reminder.at):
            continue
        day = local.date()
        with services.db.transaction() as session:
            if vacations.current(session, id_of(tenant), id_of(user), day) is not None:
                continue
            count = reviews.due_count(session, id_of(user), now)
            if count == 0 or not insert_ignore(
                session, Nudge, tenant_id=tenant.id, user_id=user.id, day=day, due_count=count, created_at=now
            ):
                continue
        message = Message(
            Kind.INFO,
            title=f"⏰ {t(reminder.language, 'remind.title')}",
            body=t(reminder.language, "remind.nudge", count=count),
        )
        try:
            await port.send_direct(tenant.external_id, user.external_id, message)
            sent += 1
        except PlatformError as exc:
            log.warning("reminder not delivered", extra={"tenant": tenant.external_id, "error": str(exc)})
    return sent
