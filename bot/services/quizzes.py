"""Quiz sessions: pick items, grade answers once, and keep the score."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.content.loader import Catalog, Deck
from bot.content.schema import QuizItem
from bot.rules import scoring
from bot.services import reviews
from bot.services.engagement import Engagement, Reason, award, participate
from bot.services.posting import latest_post
from bot.storage.db import insert_ignore
from bot.storage.ids import id_of, present
from bot.storage.models import Channel, QuizAttempt, QuizSession, User

MAX_QUIZ_ITEMS = 20
DEFAULT_QUIZ_ITEMS = 5


@dataclass(frozen=True)
class ItemRef:
    question_id: str
    item_id: str

    def key(self) -> str:
        return f"{self.question_id}#{self.item_id}"

    @classmethod
    def parse(cls, key: str) -> ItemRef:
        question_id, _, item_id = key.partition("#")
        return cls(question_id, item_id)


@dataclass(frozen=True)
class Graded:
    correct: bool
    first_answer: bool  # False when this position had been answered before (a double click)
    chosen: int
    points: int
    engagement: Engagement | None


def option_order(user_id: int, ref: ItemRef, count: int) -> list[int]:
    """The deck indices of an item's ``count`` options in the order this member sees them.

    Each option is ranked by a SHA-256 of member id, question id, item id and the option's index: stable across
    restarts, replicas and Python versions (unlike ``random``), different from member to member, and the same
    every time one member meets the item, so the order shown is the order graded."""

    def rank(index: int) -> bytes:
        return hashlib.sha256(f"{user_id}:{ref.question_id}:{ref.item_id}:{index}".encode()).digest()

    return sorted(range(count), key=rank)


def shuffled(item: QuizItem, order: list[int]) -> QuizItem:
    """``item`` with its options in ``order`` (deck indices) and ``correct`` pointing at the same option."""
    return item.model_copy(update={"options": [item.options[i] for i in order], "correct": order.index(item.correct)})


def pick_items(
    deck: Deck,
    language: str,
    categories: list[str],
    question_ids: list[str] | None,
    count: int,
    rng: random.Random,
    *,
    due_first: list[str] | None = None,
    reviewed: set[str] | None = None,
) -> list[ItemRef]:
    """Up to ``count`` items. From ``question_ids`` when given (a "Quiz me" on a daily question, or due reviews),
    else from the deck's ``categories`` (all when empty): the member's due questions first (``due_first``, most
    overdue first), then questions they never reviewed, then the rest, each group shuffled."""
    ids = question_ids if question_ids is not None else deck.question_ids(language, categories)

    def items(qids: list[str]) -> list[ItemRef]:
        refs: list[ItemRef] = []
        for qid in qids:
            question = deck.questions.get(qid)
            side = question.text(language) if question else None
            if side:
                refs.extend(ItemRef(qid, item.id) for item in side.quiz)
        return refs

    if question_ids is not None:
        return items(ids)[:count]
    allowed = set(ids)
    due = [q for q in (due_first or []) if q in allowed]
    seen = reviewed or set()
    fresh = [q for q in ids if q not in seen and q not in due]
    rest = [q for q in ids if q in seen and q not in due]
    due_items = items(due)
    fresh_items, rest_items = items(fresh), items(rest)
    rng.shuffle(fresh_items)
    rng.shuffle(rest_items)
    return (due_items + fresh_items + rest_items)[:count]


def start(
    session: Session, channel: Channel, user: User, deck: Deck, language: str, items: list[ItemRef], now: datetime
) -> QuizSession:
    quiz = QuizSession(
        tenant_id=channel.tenant_id,
        channel_id=channel.id,  # type: ignore[arg-type]
        user_id=user.id,  # type: ignore[arg-type]
        deck_id=deck.id,
        language=language,
        items=json.dumps([i.key() for i in items]),
        created_at=now,
    )
    session.add(quiz)
    session.flush()
    return quiz


def items_of(quiz: QuizSession) -> list[ItemRef]:
    return [ItemRef.parse(k) for k in json.loads(quiz.items)]


def item_at(catalog: Catalog, quiz: QuizSession, position: int) -> tuple[ItemRef, QuizItem, str] | None:
    """The item at ``position`` with its category, in the quiz's language, its options in the order its member
    sees them (``option_order``); None if the deck no longer has it."""
    refs = items_of(quiz)
    if not 0 <= position < len(refs):
        return None
    ref = refs[position]
    found = catalog.text(quiz.deck_id, ref.question_id, quiz.language)
    if found is None:
        return None
    question, side = found
    item = next((i for i in side.quiz if i.id == ref.item_id), None)
    if item is None:
        return None
    return ref, shuffled(item, option_order(quiz.user_id, ref, len(item.options))), question.category


def answer(
    session: Session,
    quiz: QuizSession,
    user: User,
    position: int,
    ref: ItemRef,
    item: QuizItem,
    chosen: int,
    now: datetime,
) -> Graded:
    """Grade an answer. ``item`` is as shown to the member (``item_at``) and ``chosen`` the position they clicked;
    the attempt also records the option's deck index and the order shown, for item statistics. The first answer
    for a position counts; a repeated click is reported, not re-graded."""
    quiz_id, user_id = id_of(quiz), id_of(user)
    correct = chosen == item.correct
    order = option_order(quiz.user_id, ref, len(item.options))
    first = insert_ignore(
        session,
        QuizAttempt,
        tenant_id=quiz.tenant_id,
        session_id=quiz_id,
        user_id=user_id,
        position=position,
        question_id=ref.question_id,
        item_id=ref.item_id,
        chosen=chosen,
        correct=correct,
        created_at=now,
        option_index=order[chosen],
        option_order=",".join(map(str, order)),
    )
    if not first:
        previous = session.exec(
            select(col(QuizAttempt.correct), col(QuizAttempt.chosen)).where(
                QuizAttempt.session_id == quiz_id, QuizAttempt.position == position
            )
        ).first()
        was_correct, was_chosen = present(previous, "the first attempt at this position")
        return Graded(bool(was_correct), False, int(was_chosen), 0, None)
    points = 0
    quiz.answered += 1
    if correct:
        quiz.correct += 1
        # Once per item and day, so re-running a quiz is practice, not a way to farm points.
        ref_key = f"item:{ref.key()}:{now.date().isoformat()}"
        if award(session, user, quiz.channel_id, Reason.CORRECT_ANSWER, ref_key, scoring.CORRECT_ANSWER_POINTS, now):
            points += scoring.CORRECT_ANSWER_POINTS
            quiz.points += scoring.CORRECT_ANSWER_POINTS
    if quiz.answered >= len(items_of(quiz)):
        quiz.status = "done"
    session.add(quiz)
    grade = reviews.Grade.GOOD if correct else reviews.Grade.AGAIN
    reviews.record(session, user, quiz.deck_id, ref.question_id, grade, now)
    engagement = None
    post = latest_post(session, quiz.channel_id)
    if post is not None and post.question_id == ref.question_id and post.deck_id == quiz.deck_id:
        engagement = participate(session, post, user, now)
        points += engagement.points
    return Graded(correct, True, chosen, points, engagement)
