"""``/vacation DAYS|off``: pause your streaks, reviews and reminders while you are away."""

from __future__ import annotations

from bot.commands.args import Args
from bot.commands.context import Context
from bot.commands.errors import UserError
from bot.i18n import t
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
        lang, tenant_id, user_id = actor.channel.language, actor.tenant.id or 0, actor.user.id or 0
        today = local_day(ctx.now, actor.channel.timezone)
        if days is None:
            change = vacations.stop(session, tenant_id, user_id, today, ctx.now)
            if change is None:
                return Outcome().add(Message(Kind.INFO, body=t(lang, "vacation.none")), private=True)
            text = t(lang, "vacation.ended", days=-change.shifted_days)
        else:
            change = vacations.start(session, tenant_id, user_id, days, today, ctx.now)
            text = t(lang, "vacation.started", until=vacations.last_day(change.vacation).isoformat(), days=days)
    return Outcome().add(Message(Kind.SUCCESS, body=f"🏖️ {text}"), private=True)
