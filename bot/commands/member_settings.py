"""A member's own settings: ``/vacation DAYS|off`` (pause streaks, reviews and reminders while away) and
``/studybot mylanguage pt|en|auto`` (the language of replies to them alone)."""

from __future__ import annotations

from bot.commands.args import Args
from bot.commands.context import Context
from bot.commands.errors import UserError
from bot.i18n import parse_language, t, words
from bot.messages import Kind, Message, Outcome
from bot.rules.periods import local_day
from bot.services import vacations


def _days(value: str) -> int:
    if not value.isdigit() or not vacations.MIN_DAYS <= int(value) <= vacations.MAX_DAYS:
        raise UserError("error.bad_vacation", value=value[:20], min=vacations.MIN_DAYS, max=vacations.MAX_DAYS)
    return int(value)


async def vacation(ctx: Context, args: Args) -> Outcome:
    raw = args.required("arg.vacation").strip().casefold()
    args.done()
    days = None if raw == "off" else _days(raw)
    with ctx.transaction() as (session, actor):
        lang, tenant_id, user_id = ctx.member_language(actor), actor.tenant.id or 0, actor.user.id or 0
        today = local_day(ctx.now, actor.channel.timezone)
        if days is None:
            change = vacations.stop(session, tenant_id, user_id, today, ctx.now)
            if change is None:
                return Outcome().add(Message(Kind.INFO, body=t(lang, "vacation.none")), private=True)
            text = t(lang, "vacation.ended", count=-change.shifted_days)
        else:
            change = vacations.start(session, tenant_id, user_id, days, today, ctx.now)
            until = words.date_label(lang, vacations.last_day(change.vacation))
            text = t(lang, "vacation.started", until=until, count=days)
    return Outcome().add(Message(Kind.SUCCESS, body=f"🏖️ {text}"), private=True)


#: What ``/studybot mylanguage`` takes for "follow my platform's language".
AUTOMATIC = ("auto", "automatic", "automático", "automatico")


async def my_language(ctx: Context, args: Args) -> Outcome:
    raw = args.required("arg.mylanguage").strip()
    args.done()
    automatic = raw.casefold() in AUTOMATIC
    choice = None if automatic else parse_language(raw)
    if choice is None and not automatic:
        raise UserError("error.bad_mylanguage", value=raw[:20])
    with ctx.transaction() as (session, actor):
        available = ctx.services.catalog.languages(actor.channel.deck_id)
        if choice is not None and choice not in available:
            raise UserError("error.mylanguage_unavailable", value=raw[:20], deck=actor.channel.deck_id)
        actor.user.language = choice
        session.add(actor.user)
        lang = ctx.member_language(actor)
    ctx.set_language(lang)
    text = t(lang, "mylanguage.auto" if choice is None else "mylanguage.set")
    return Outcome().add(Message(Kind.SUCCESS, body=f"🌐 {text}"), private=True)
