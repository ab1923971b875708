"""``/streak``, ``/leaderboard`` and ``/team``: what members see of themselves and each other."""

from __future__ import annotations

import re

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.cards import team_standing_lines, user_standing_lines
from bot.commands.args import Args
from bot.commands.context import Context
from bot.commands.errors import UserError
from bot.i18n import t, words
from bot.markdown import code_safe, literal
from bot.messages import Field, Kind, Message, Outcome
from bot.rules.periods import local_day
from bot.services import standings, teams, vacations
from bot.storage.ids import id_of
from bot.storage.models import User

SCOPE_WORDS = {"users": "users", "user": "users", "members": "users", "teams": "teams", "team": "teams"}
PERIOD_WORDS = {"week": "week", "weekly": "week", "month": "month", "monthly": "month", "all": "all", "all-time": "all"}
_MENTION = re.compile(r"^<@!?([\w.-]+)(?:\|[^>]*)?>$")


def resolve_member(session: Session, tenant_id: int, value: str) -> User:
    """A member from a platform mention (``<@U123>``, ``<@!123>``), ``@name`` or a name, within the tenant."""
    mention = _MENTION.match(value)
    if mention:
        user = session.exec(
            select(User).where(User.tenant_id == tenant_id, User.external_id == mention.group(1))
        ).first()
    else:
        name = value.removeprefix("@")
        user = session.exec(select(User).where(User.tenant_id == tenant_id, User.external_id == name)).first()
        if user is None:  # by display name, case-insensitively (an expression index serves this lookup)
            user = session.exec(
                select(User).where(User.tenant_id == tenant_id, func.lower(User.display_name) == name.lower())
                .order_by(col(User.id)).limit(1)
            ).first()
    if user is None:
        raise UserError("error.unknown_user", value=value[:60])
    return user


async def streak(ctx: Context, args: Args) -> Outcome:
    who = args.rest()
    with ctx.transaction() as (session, actor):
        lang = ctx.member_language(actor)  # a private reply: in the language of the member who asked
        user = resolve_member(session, id_of(actor.tenant), who) if who else actor.user
        view = standings.streak_view(session, id_of(actor.channel), user)
        today = local_day(ctx.now, actor.channel.timezone)
        away = vacations.current(session, id_of(actor.tenant), id_of(user), today)

    def days(n: int) -> str:
        return t(lang, "streak.days", count=n)

    fields = [
        Field(t(lang, "streak.current"), days(view.current)),
        Field(t(lang, "streak.longest"), days(view.longest)),
        Field(t(lang, "streak.freezes"), f"{'🧊' * view.freezes or '–'} ({view.freezes}/2)"),
        Field(t(lang, "streak.saved"), str(view.saved)),
    ]
    if away is not None:
        until = words.date_label(lang, vacations.last_day(away))
        fields.append(Field(t(lang, "vacation.field"), t(lang, "vacation.until", until=until)))
    message = Message(
        Kind.STREAK,
        title=t(lang, "streak.title", name=literal(user.display_name)),
        fields=tuple(fields),
        body=t(lang, "streak.freeze_rule"),
        footer=t(lang, "streak.keep" if view.longest else "streak.none"),
    )
    return Outcome().add(message, private=True)  # about one member: only the one who asked sees it


async def leaderboard(ctx: Context, args: Args) -> Outcome:
    scope, period = "users", "week"
    tokens = args.remaining()
    if len(tokens) > 2:
        raise UserError("error.too_many_args", extra=" ".join(tokens[2:])[:60])
    for token in tokens:
        value = token.casefold()
        if value in SCOPE_WORDS:
            scope = SCOPE_WORDS[value]
        elif value in PERIOD_WORDS:
            period = PERIOD_WORDS[value]
        else:
            raise UserError("error.bad_leaderboard", value=token[:40])
    with ctx.transaction() as (session, actor):
        lang, tenant_id = actor.channel.language, id_of(actor.tenant)
        key = standings.period_key_at(period, ctx.now, actor.channel.timezone)
        if scope == "users":
            lines = user_standing_lines(lang, standings.user_leaderboard(session, tenant_id, key))
            footer = None
        else:
            lines = team_standing_lines(lang, standings.team_leaderboard(session, tenant_id, key))
            footer = t(lang, "leaderboard.team_rule")
    body = "\n".join(lines) or t(lang, "leaderboard.empty")
    title = t(
        lang,
        "leaderboard.title",
        scope=t(lang, f"leaderboard.scope.{scope}"),
        period=t(lang, f"leaderboard.period.{period}"),
    )
    return Outcome().add(Message(Kind.LEADERBOARD, title=title, body=body, footer=footer))


def _team_name(raw: str) -> str:
    name = teams.clean_team_name(raw)
    if name is None:
        raise UserError("error.bad_team_name", max=teams.MAX_TEAM_NAME)
    return name


def _unknown_team(session: Session, tenant_id: int, value: str) -> UserError:
    """No such team: the closest few names (never the whole list, which can be long)."""
    if not teams.team_count(session, tenant_id):
        return UserError("error.no_teams")
    near = teams.closest(session, tenant_id, value)
    if not near:
        return UserError("error.unknown_team_far", value=value[:40])
    return UserError("error.unknown_team", value=value[:40], teams=", ".join(f"`{code_safe(n)}`" for n in near))


async def team_create(ctx: Context, args: Args) -> Outcome:
    name = _team_name(args.rest())
    with ctx.transaction() as (session, actor):
        lang, tenant_id = actor.channel.language, id_of(actor.tenant)
        teams.lock_names(session, tenant_id)
        existing = teams.find_team(session, tenant_id, name)  # the same name, or one that looks the same
        if existing is not None:
            raise UserError("error.team_exists", name=existing.name)
        if teams.team_count(session, tenant_id) >= teams.MAX_TEAMS:
            raise UserError("error.too_many_teams", max=teams.MAX_TEAMS)
        teams.create(session, actor.user, name, ctx.now)
    return Outcome().add(Message(Kind.SUCCESS, body=f"🛡️ {t(lang, 'team.created', name=literal(name))}"))


async def team_join(ctx: Context, args: Args) -> Outcome:
    raw = args.rest()
    name = _team_name(raw) if raw else args.required("arg.team")
    with ctx.transaction() as (session, actor):
        lang, tenant_id = actor.channel.language, id_of(actor.tenant)
        team = teams.find_team(session, tenant_id, name)
        if team is None:
            raise _unknown_team(session, tenant_id, name)
        current = teams.team_of(session, actor.user)
        if current is not None and current.id == team.id:
            already = t(lang, "team.already", name=literal(team.name))
            return Outcome().add(Message(Kind.INFO, body=already), private=True)
        old = teams.join(session, actor.user, team, ctx.now)
    name = literal(team.name)
    text = t(lang, "team.moved", old=literal(old.name), name=name) if old else t(lang, "team.joined", name=name)
    return Outcome().add(Message(Kind.SUCCESS, body=f"🤝 {text}"))


async def team_leave(ctx: Context, args: Args) -> Outcome:
    args.done()
    with ctx.transaction() as (session, actor):
        lang = actor.channel.language
        team = teams.leave(session, actor.user)
        if team is None:
            raise UserError("error.not_in_team")
    return Outcome().add(Message(Kind.SUCCESS, body=t(lang, "team.left", name=literal(team.name))))


async def team_list(ctx: Context, args: Args) -> Outcome:
    args.done()
    with ctx.transaction() as (session, actor):
        lang = actor.channel.language
        rows = teams.list_teams(session, id_of(actor.tenant))
    lines = [
        t(
            lang,
            "team.list.line",
            name=literal(team.name),
            count=len(members),
            members=", ".join(literal(m.display_name) for m in members) or "–",
        )
        for team, members in rows
    ]
    body = "\n".join(lines) or t(lang, "team.list.empty")
    return Outcome().add(Message(Kind.TEAM, title=f"🛡️ {t(lang, 'team.list.title')}", body=body))
