"""Reactions and buttons on daily posts: reveal the answer privately, self-grade, start a quiz on the question."""

from __future__ import annotations

from bot.cards import quiz_card, reveal_card
from bot.commands.context import Context
from bot.commands.errors import UserError
from bot.commands.parsing import normalise_emoji
from bot.i18n import t
from bot.messages import Kind, Message, Outcome
from bot.services import engagement, quizzes
from bot.services.directory import find_channel, find_tenant
from bot.services.posting import post_by_message
from bot.storage.models import DailyPost


async def reaction(ctx: Context, message_id: str, emoji: str) -> Outcome:
    """A reaction reveals the answer when it is the channel's reveal emoji on one of its daily posts.
    Anything else is ignored without writing a thing."""
    with ctx.services.db.transaction() as session:
        tenant = find_tenant(session, ctx.origin.platform, ctx.origin.tenant_id)
        channel = find_channel(session, tenant.id, ctx.origin.channel_id) if tenant and tenant.id else None
        if channel is None or normalise_emoji(emoji) != normalise_emoji(channel.reveal_emoji):
            return Outcome()
        if post_by_message(session, channel.id or 0, message_id) is None:
            return Outcome()
    return await _reveal(ctx, lambda session, channel_id: post_by_message(session, channel_id, message_id), "reaction")


async def reveal_button(ctx: Context, post_id: str) -> Outcome:
    if not post_id.isdigit():
        raise UserError("error.stale_button")
    return await _reveal(ctx, lambda session, _channel_id: session.get(DailyPost, int(post_id)), "button")


async def _reveal(ctx: Context, find_post, via: str) -> Outcome:
    with ctx.transaction() as (session, actor):
        post = find_post(session, actor.channel.id)
        if post is None or post.tenant_id != actor.tenant.id:
            raise UserError("error.not_a_daily_post")
        found = ctx.services.catalog.text(post.deck_id, post.question_id, actor.channel.language)
        if found is None:
            raise UserError("error.not_a_daily_post")
        first = engagement.reveal(session, post, actor.user, via, ctx.now)
        if not first and via == "reaction":
            return Outcome()  # a repeated reaction gives nothing new
        card = reveal_card(found[1], actor.channel.language, post.id or 0, again=not first)
    if first:
        ctx.services.metrics.reveals.labels(ctx.origin.platform, via).inc()
    return Outcome().add(card, private=True)


async def grade(ctx: Context, post_id: str, value: str) -> Outcome:
    if not post_id.isdigit() or value not in engagement.GRADES:
        raise UserError("error.stale_button")
    with ctx.transaction() as (session, actor):
        post = session.get(DailyPost, int(post_id))
        if post is None or post.tenant_id != actor.tenant.id:
            raise UserError("error.stale_button")
        lang = actor.channel.language
        found = ctx.services.catalog.text(post.deck_id, post.question_id, lang)
        first = engagement.self_grade(session, post, actor.user, value, ctx.now)
    note = t(lang, f"grade.saved.{value}") if first else t(lang, "grade.already")
    if found is None:
        return Outcome().add(Message(Kind.INFO, body=note), private=True)
    card = reveal_card(found[1], lang, int(post_id), graded=True)
    card = Message(card.kind, card.title, card.body, card.fields, (), f"✔️ {note}", card.context)
    return Outcome().add(card, private=True, edit=True)


async def quiz_me(ctx: Context, post_id: str) -> Outcome:
    if not post_id.isdigit():
        raise UserError("error.stale_button")
    with ctx.transaction() as (session, actor):
        post = session.get(DailyPost, int(post_id))
        deck = ctx.services.catalog.get(post.deck_id) if post else None
        if post is None or deck is None or post.tenant_id != actor.tenant.id:
            raise UserError("error.stale_button")
        channel = actor.channel
        items = quizzes.pick_items(
            deck, channel.language, [], [post.question_id], quizzes.MAX_QUIZ_ITEMS, ctx.services.rng
        )
        if not items:
            raise UserError("error.no_quiz_items")
        row = quizzes.start(session, channel, actor.user, deck, channel.language, items, ctx.now)
        found = quizzes.item_at(ctx.services.catalog, row, 0)
        assert found is not None
        _, item, category = found
        card = quiz_card(
            item, channel.language, deck.category_label(category, channel.language), row.id or 0, 0, len(items)
        )
    return Outcome().add(card, private=True)
