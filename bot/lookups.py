"""Read-only lookups adapters offer as conveniences: autocomplete values and a member's overview."""

from __future__ import annotations

from sqlmodel import col, select

from bot.commands.context import Services
from bot.events import Origin
from bot.i18n import t
from bot.messages import Field, Kind, Message
from bot.rules.periods import ALL_TIME
from bot.rules.timezones import matching_timezones
from bot.services import standings, teams, totals
from bot.services.directory import find_channel, find_tenant, find_user
from bot.storage.ids import id_of
from bot.storage.models import Channel, Streak

AUTOCOMPLETE_LIMIT = 25


def autocomplete(services: Services, origin: Origin, kind: str, prefix: str) -> list[str]:
    """Values starting with or containing ``prefix`` for a parameter kind: ``category`` (of the channel's deck),
    ``team`` (of the tenant), ``timezone``, ``deck``. Unknown kinds get nothing."""
    key = prefix.strip().casefold()
    if kind == "timezone":
        return matching_timezones(key, AUTOCOMPLETE_LIMIT)
    if kind == "deck":
        return [d for d in sorted(services.catalog.decks) if key in d][:AUTOCOMPLETE_LIMIT]
    with services.db.transaction() as session:
        tenant = find_tenant(session, origin.platform, origin.tenant_id)
        if tenant is None or tenant.id is None:
            if kind == "category":
                deck = services.catalog.get(services.defaults.deck_id)
                return [c for c in sorted(deck.info.categories) if key in c][:AUTOCOMPLETE_LIMIT] if deck else []
            return []
        if kind == "team":
            names = [team.name for team, _ in teams.list_teams(session, tenant.id)]
            return [n for n in names if key in n.casefold()][:AUTOCOMPLETE_LIMIT]
        if kind == "category":
            channel = find_channel(session, tenant.id, origin.channel_id)
            deck = services.catalog.get(channel.deck_id if channel else services.defaults.deck_id)
            return [c for c in sorted(deck.info.categories) if key in c][:AUTOCOMPLETE_LIMIT] if deck else []
    return []


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
        body=t(lang, "home.intro", name=user.display_name),
        fields=(
            Field(t(lang, "home.points"), t(lang, "home.points_value", week=points_week, all=points_all)),
            Field(t(lang, "home.team"), team.name if team else t(lang, "home.no_team")),
            Field(t(lang, "home.channels"), "\n".join(channel_lines) or t(lang, "home.no_channels"), inline=False),
        ),
        footer=t(lang, "help.aliases"),
    )


