"""The weekly recap of the hardest questions and the end-of-day reveal of the daily question's answer."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.i18n import t
from bot.messages import Kind, Message
from bot.ports import ChannelRef, ChatPort
from bot.posts.claims import claim_extra, mark_extra
from bot.services.container import Services
from bot.storage.ids import id_of
from bot.storage.models import Channel, DailyPost, Tenant

RECAP_SIZE = 3


async def post_recap(
    services: Services, port: ChatPort, channel: Channel, tenant: Tenant, today: date, now: datetime
) -> None:
    """The group's three hardest questions of the past week, after the weekly leaderboard (when there are any)."""
    from zoneinfo import ZoneInfo

    from bot.services.insights import question_insights

    since = datetime.combine(today - timedelta(days=7), datetime.min.time(), tzinfo=ZoneInfo(channel.timezone))
    with services.db.transaction() as session:
        rows = [
            r
            for r in question_insights(session, id_of(tenant), channel.id, since)
            if r["answers"] or sum(r["grades"].values())
        ][:RECAP_SIZE]
    if not rows:
        return
    extra_id = claim_extra(services, channel, "recap", today, now)
    if extra_id is None:
        return
    lang = channel.language
    lines = []
    for row in rows:
        found = services.catalog.text(channel.deck_id, row["question_id"], lang)
        lines.append(f"- **{found[1].prompt if found else row['question_id']}**")
    message = Message(Kind.INFO, title=t(lang, "recap.title"), body="\n".join(lines), footer=t(lang, "recap.footer"))
    message_id = await port.post(ChannelRef(tenant.platform, tenant.external_id, channel.external_id), message)
    mark_extra(services, extra_id, message_id)


async def post_eod(
    services: Services, port: ChatPort, channel: Channel, tenant: Tenant, daily: DailyPost, now: datetime
) -> None:
    found = services.catalog.text(daily.deck_id, daily.question_id, channel.language)
    if found is None or daily.message_id is None:
        return
    extra_id = claim_extra(services, channel, "eod", daily.question_day, now)
    if extra_id is None:
        return
    _, side = found
    lang = channel.language
    message = Message(
        Kind.REVEAL, title=f"💡 {t(lang, 'eod.title')}: {side.prompt}", body=side.answer, footer=t(lang, "eod.footer")
    )
    ref = ChannelRef(tenant.platform, tenant.external_id, channel.external_id)
    message_id = await port.post(ref, message, thread=daily.message_id)
    mark_extra(services, extra_id, message_id)
