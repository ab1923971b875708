"""A member's overview of their standing, for adapters that show one (Slack's App Home)."""

from __future__ import annotations

from sqlmodel import col, select

from bot.events import Origin
from bot.i18n import t
from bot.markdown import literal
from bot.messages import Field, Kind, Message
from bot.rules.periods import ALL_TIME
from bot.services import standings, teams, totals
from bot.services.container import Services
from bot.services.directory import find_tenant, find_user
from bot.storage.ids import id_of
from bot.storage.models import Channel, Streak


def overview(services: Services, origin: Origin, language: str | None = None) -> Message:
    """A member's standing in their workspace: points, team, and their streak in each channel they study in
    (for Slack's App Home and similar)."""
    lang = language or services.defaults.language
    with services.db.transaction() as session:
        tenant = find_tenant(session, origin.platform, origin.tenant_id)
        user = find_user(session, tenant.id, origin.user_id) if tenant and tenant.id else None
        if tenant is None or user is None:
            return Message(Kind.INFO, title=f"📚 {t(lang, 'home.title')}", body=t(lang, "home.new"))
        week = standings.period_key_at("week", services.clock.now(), services.defaults.timezone)
        points = totals.member_points(session, id_of(tenant), id_of(user), (week, ALL_TIME))
        points_all, points_week = points[ALL_TIME], points[week]
        team = teams.team_of(session, user)
        rows = session.exec(
            select(Channel, Streak)
            .join(Streak, col(Streak.channel_id) == Channel.id)
            .where(Streak.tenant_id == tenant.id, Streak.user_id == user.id)
        ).all()
        channel_lines = []
        for channel, _streak in rows:
            current, longest = standings.streak_of(session, id_of(channel), user)
            channel_lines.append(
                t(lang, "home.channel_line", channel=channel.name or channel.external_id, current=current,
                  longest=longest)
            )
    return Message(
        Kind.INFO,
        title=f"📚 {t(lang, 'home.title')}",
        body=t(lang, "home.intro", name=literal(user.display_name)),
        fields=(
            Field(t(lang, "home.points"), t(lang, "home.points_value", week=points_week, all=points_all)),
            Field(t(lang, "home.team"), team.name if team else t(lang, "home.no_team")),
            Field(t(lang, "home.channels"), "\n".join(channel_lines) or t(lang, "home.no_channels"), inline=False),
        ),
        footer=t(lang, "help.aliases"),
    )


