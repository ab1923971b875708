"""``/studybot post``: post today's question now (once per question day)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.commands.args import Args
from bot.commands.context import Context
from bot.commands.errors import UserError
from bot.i18n import t
from bot.messages import Kind, Message, Outcome
from bot.posts.daily import post_daily
from bot.storage.ids import id_of


async def post_now(ctx: Context, args: Args) -> Outcome:
    args.done()
    with ctx.transaction() as (_session, actor):
        channel = actor.channel
        today = ctx.now.astimezone(ZoneInfo(channel.timezone)).date()
        lang, channel_id = ctx.member_language(actor), id_of(channel)
    result = await post_daily(ctx.services, ctx.port, channel_id, today)
    if result.status == "posted":
        return Outcome().add(
            Message(Kind.SUCCESS, body=f"✅ {t(lang, 'post.done', day=today.isoformat())}"), private=True
        )
    if result.status == "already":
        return Outcome().add(Message(Kind.INFO, body=t(lang, "post.already", day=today.isoformat())), private=True)
    if result.status == "failed":
        raise UserError("error.post_failed", reason=result.error or "")
    raise UserError("error.no_questions", deck=channel.deck_id, language=channel.language, categories="")
