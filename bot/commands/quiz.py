"""``/quiz [category] [count]`` and the quiz's buttons: answer, next, results."""

from __future__ import annotations

from sqlmodel import Session

from bot.cards import graded_card, quiz_card, result_card
from bot.commands import parsing
from bot.commands.args import Args
from bot.commands.context import Context
from bot.commands.errors import UserError
from bot.content.loader import Deck
from bot.messages import Message, Outcome
from bot.services import quizzes, reviews
from bot.services.directory import Actor
from bot.storage.ids import id_of, present
from bot.storage.models import QuizSession


async def quiz(ctx: Context, args: Args) -> Outcome:
    tokens = args.remaining()
    if len(tokens) > 2:
        raise UserError("error.too_many_args", extra=" ".join(tokens[2:])[:60])
    count_value: str | None = None
    category_value: str | None = None
    for token in tokens:
        if token.isdigit() and count_value is None:
            count_value = token
        elif category_value is None and not token.lstrip("-+").isdigit():
            category_value = token
        else:
            raise UserError("error.bad_count", value=token[:40], max=quizzes.MAX_QUIZ_ITEMS)
    count = parsing.count(count_value, quizzes.MAX_QUIZ_ITEMS) if count_value else quizzes.DEFAULT_QUIZ_ITEMS
    with ctx.transaction() as (session, actor):
        channel, lang = actor.channel, ctx.member_language(actor)
        deck = ctx.services.catalog.get(channel.deck_id)
        if deck is None:
            raise UserError("error.no_quiz_items")
        if category_value is not None:
            categories = parsing.categories(deck, category_value)
        else:
            categories = [c for c in channel.categories.split(",") if c]
        due = [d.question_id for d in reviews.due_questions(session, actor.user, deck.id, ctx.now)]
        items = quizzes.pick_items(
            deck, lang, categories, None, count, ctx.services.rng,
            due_first=due, reviewed=reviews.reviewed_questions(session, actor.user, deck.id),
        )
        card = start_quiz(ctx, session, actor, deck, items)
    return Outcome().add(card, private=True)


def start_quiz(ctx: Context, session: Session, actor: Actor, deck: Deck, items: list[quizzes.ItemRef]) -> Message:
    """Start a quiz of ``items`` for the member in their channel: the card of its first item (``/quiz``,
    ``/review`` and a daily post's "Quiz me" button all start one this way)."""
    if not items:
        raise UserError("error.no_quiz_items")
    language = ctx.member_language(actor)  # a quiz is a private exchange: in the member's language
    row = quizzes.start(session, actor.channel, actor.user, deck, language, items, ctx.now)
    _, item, category = present(quizzes.item_at(ctx.services.catalog, row, 0), "the first quiz item")
    return quiz_card(item, language, deck.category_label(category, language), id_of(row), 0, len(items))


def _load(ctx: Context, session, actor, quiz_id: str) -> QuizSession:
    row = session.get(QuizSession, int(quiz_id)) if quiz_id.isdigit() else None
    if row is None or row.tenant_id != actor.tenant.id:
        raise UserError("error.stale_button")
    if row.user_id != actor.user.id:
        raise UserError("error.quiz_not_yours")
    return row


async def answer(ctx: Context, quiz_id: str, position: str, option: str) -> Outcome:
    if not (position.isdigit() and option.isdigit()):
        raise UserError("error.stale_button")
    pos, chosen = int(position), int(option)
    with ctx.transaction() as (session, actor):
        row = _load(ctx, session, actor, quiz_id)
        found = quizzes.item_at(ctx.services.catalog, row, pos)
        if found is None or chosen >= len(found[1].options):
            raise UserError("error.stale_button")
        ref, item, category = found
        graded = quizzes.answer(session, row, actor.user, pos, ref, item, chosen, ctx.now)
        deck = ctx.services.catalog.get(row.deck_id)
        label = deck.category_label(category, row.language) if deck else category
        card = graded_card(
            item, row.language, label, id_of(row), pos, len(quizzes.items_of(row)), graded.chosen, graded.points
        )
    if graded.first_answer:
        ctx.services.metrics.quiz_answers.labels(ctx.origin.platform, "correct" if graded.correct else "wrong").inc()
    return Outcome().add(card, private=True, edit=True)


async def next_item(ctx: Context, quiz_id: str, position: str) -> Outcome:
    if not position.isdigit():
        raise UserError("error.stale_button")
    pos = int(position)
    with ctx.transaction() as (session, actor):
        row = _load(ctx, session, actor, quiz_id)
        found = quizzes.item_at(ctx.services.catalog, row, pos)
        if found is None:
            raise UserError("error.quiz_gone")
        _, item, category = found
        deck = ctx.services.catalog.get(row.deck_id)
        label = deck.category_label(category, row.language) if deck else category
        card = quiz_card(item, row.language, label, id_of(row), pos, len(quizzes.items_of(row)))
    return Outcome().add(card, private=True, edit=True)


async def results(ctx: Context, quiz_id: str) -> Outcome:
    with ctx.transaction() as (session, actor):
        row = _load(ctx, session, actor, quiz_id)
        card = result_card(row.language, row.correct, len(quizzes.items_of(row)), row.points)
    return Outcome().add(card, private=True, edit=True)
