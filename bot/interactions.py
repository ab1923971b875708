"""Reactions and buttons on daily posts: reveal the answer privately, self-grade, start a quiz on the question."""

from __future__ import annotations

from bot.cards import reveal_card
from bot.commands.context import Context
from bot.commands.errors import UserError
from bot.commands.parsing import normalise_emoji
from bot.commands.quiz import start_quiz
from bot.i18n import member_language, t
from bot.messages import Kind, Message, Outcome
from bot.services import engagement, quizzes
from bot.services.directory import add_member
from bot.services.reactions import MemberFacts, reaction_target
from bot.storage.ids import id_of
from bot.storage.models import DailyPost


async def reaction(ctx: Context, message_id: str, emoji: str) -> Outcome:
    """A reaction reveals the answer when it is the channel's reveal emoji on one of its daily posts.
    Anything else is ignored without writing a thing. One transaction: one query to look, then the writes."""
    with ctx.services.db.transaction() as session:
        target = reaction_target(session, ctx.origin, message_id)
        if target is None or normalise_emoji(emoji) != normalise_emoji(target.reveal_emoji):
            return Outcome()
        post = target.post
        if post is None:
            return Outcome()
        member = target.known_member(ctx.origin)
        if member is None and target.new_member(ctx.origin):  # first contact: one insert
            ctx.record_event(session)
            origin = ctx.origin
            new_id = add_member(session, target.tenant_id, origin.user_id, origin.user_name, ctx.now, origin.locale)
            member = MemberFacts(new_id, target.tenant_id)
        elif member is None:  # a new name: create and rename the long way
            actor = ctx.enter(session)
            member = MemberFacts(id_of(actor.user), id_of(actor.tenant))
        else:
            ctx.record_event(session)
        lang = member_language(
            target.member_language,
            ctx.origin.locale or target.member_locale,
            target.language,
            ctx.services.catalog.languages(post.deck_id),
        )
        found = ctx.services.catalog.text(post.deck_id, post.question_id, lang)
        if found is None:
            raise UserError("error.not_a_daily_post")
        first = engagement.reveal(session, post, member, "reaction", ctx.now, target.latest_seq, target.timezone)
    ctx.mark_recorded()
    if not first:
        return Outcome()  # a repeated reaction gives nothing new
    _count_reveal(ctx, "reaction")
    return Outcome().add(reveal_card(found[1], lang, post.id), private=True)


async def reveal_button(ctx: Context, post_id: str) -> Outcome:
    """The Reveal button: the answer privately, counted once, shown again on later presses."""
    if not post_id.isdigit():
        raise UserError("error.stale_button")
    with ctx.transaction() as (session, actor):
        post = session.get(DailyPost, int(post_id))
        if post is None or post.tenant_id != actor.tenant.id:
            raise UserError("error.not_a_daily_post")
        lang = ctx.member_language(actor)
        found = ctx.services.catalog.text(post.deck_id, post.question_id, lang)
        if found is None:
            raise UserError("error.not_a_daily_post")
        first = engagement.reveal(session, post, actor.user, "button", ctx.now)
        card = reveal_card(found[1], lang, id_of(post), again=not first)
    if first:
        _count_reveal(ctx, "button")
    return Outcome().add(card, private=True)


def _count_reveal(ctx: Context, via: str) -> None:
    ctx.services.metrics.reveals.labels(ctx.origin.platform, via).inc()


async def grade(ctx: Context, post_id: str, value: str) -> Outcome:
    if not post_id.isdigit() or value not in engagement.GRADES:
        raise UserError("error.stale_button")
    with ctx.transaction() as (session, actor):
        post = session.get(DailyPost, int(post_id))
        if post is None or post.tenant_id != actor.tenant.id:
            raise UserError("error.stale_button")
        lang = ctx.member_language(actor)
        found = ctx.services.catalog.text(post.deck_id, post.question_id, lang)
        first = engagement.self_grade(session, post, actor.user, engagement.Grade(value), ctx.now)
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
        lang = ctx.member_language(actor)
        items = quizzes.pick_items(deck, lang, [], [post.question_id], quizzes.MAX_QUIZ_ITEMS, ctx.services.rng)
        card = start_quiz(ctx, session, actor, deck, items)
    return Outcome().add(card, private=True)
