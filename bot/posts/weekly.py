"""The weekly leaderboard post: last full week's members and teams."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.cards import team_standing_lines, user_standing_lines
from bot.i18n import t
from bot.messages import Kind, Message
from bot.ports import ChannelRef, ChatPort
from bot.posts.claims import claim_extra, mark_extra
from bot.rules.periods import week_key
from bot.services import standings
from bot.services.container import Services
from bot.storage.ids import id_of
from bot.storage.models import Channel, Tenant


async def post_weekly(
    services: Services, port: ChatPort, channel: Channel, tenant: Tenant, today: date, now: datetime
) -> None:
    extra_id = claim_extra(services, channel, "weekly", today, now)
    if extra_id is None:
        return
    message = weekly_leaderboard(services, channel, tenant, today)
    message_id = await port.post(ChannelRef(tenant.platform, tenant.external_id, channel.external_id), message)
    mark_extra(services, extra_id, message_id)


def weekly_leaderboard(services: Services, channel: Channel, tenant: Tenant, today: date) -> Message:
    """Last full week's (Monday to Sunday, before ``today``'s week) members and teams, in the channel's language."""
    lang = channel.language
    last_week = week_key(today - timedelta(days=7))
    with services.db.transaction() as session:
        users = standings.user_leaderboard(session, id_of(tenant), last_week)
        teams = standings.team_leaderboard(session, id_of(tenant), last_week)
    lines, team_lines = user_standing_lines(lang, users), team_standing_lines(lang, teams)
    body = "\n".join(lines) or t(lang, "leaderboard.empty")
    if team_lines:
        body += "\n\n" + "\n".join(team_lines)
    return Message(Kind.LEADERBOARD, title=t(lang, "weekly.title"), body=body, footer=t(lang, "weekly.footer"))
