"""Spaced repetition with FSRS (the ``fsrs`` package): one card per member and question.

Every self-grade after a reveal and every quiz answer is a review: Again / Hard / Good / Easy from the self-grade
buttons, Good for a right quiz answer and Again for a wrong one. Fuzzing is off so that a member's schedule is a
pure function of their grades and times (and tests can compare with the package's own results).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fsrs import Card, Rating, Scheduler
from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.storage.db import insert_ignore
from bot.storage.ids import id_of
from bot.storage.models import ReviewState, User


class Grade(StrEnum):
    """A member's answer to "how well did you know it", from the self-grade buttons."""

    AGAIN = "again"
    HARD = "hard"
    GOOD = "good"
    EASY = "easy"


RATINGS = {Grade.AGAIN: Rating.Again, Grade.HARD: Rating.Hard, Grade.GOOD: Rating.Good, Grade.EASY: Rating.Easy}


@functools.cache
def scheduler() -> Scheduler:
    return Scheduler(enable_fuzzing=False)


@dataclass(frozen=True)
class Due:
    question_id: str
    due: datetime


def record(session: Session, user: User, deck_id: str, question_id: str, grade: Grade, now: datetime) -> ReviewState:
    """Apply one review (``grade`` in again/hard/good/easy) at ``now`` to the member's card for the question."""
    user_id = id_of(user)
    insert_ignore(session, ReviewState, tenant_id=user.tenant_id, user_id=user_id, deck_id=deck_id,
                  question_id=question_id, card=Card(due=now).to_json(), due=now, reviews=0, lapses=0,
                  updated_at=now)
    row = session.exec(
        select(ReviewState)
        .where(ReviewState.user_id == user_id, ReviewState.deck_id == deck_id, ReviewState.question_id == question_id)
        .with_for_update()
    ).one()
    card, _log = scheduler().review_card(Card.from_json(row.card), RATINGS[grade], review_datetime=now)
    row.card, row.due, row.updated_at = card.to_json(), card.due, now
    row.reviews += 1
    if grade == Grade.AGAIN and row.reviews > 1:
        row.lapses += 1
    session.add(row)
    return row


def due_questions(session: Session, user: User, deck_id: str, now: datetime) -> list[Due]:
    """The member's questions in the deck whose review is due at ``now``, the most overdue first."""
    rows = session.exec(
        select(ReviewState.question_id, ReviewState.due)
        .where(ReviewState.user_id == user.id, ReviewState.deck_id == deck_id, ReviewState.due <= now)
        .order_by(col(ReviewState.due), ReviewState.question_id)
    ).all()
    return [Due(q, d) for q, d in rows]


def reviewed_questions(session: Session, user: User, deck_id: str) -> set[str]:
    return set(session.exec(
        select(ReviewState.question_id).where(ReviewState.user_id == user.id, ReviewState.deck_id == deck_id)
    ).all())


def due_count(session: Session, user_id: int, now: datetime) -> int:
    return session.exec(
        select(func.count()).select_from(ReviewState).where(ReviewState.user_id == user_id, ReviewState.due <= now)
    ).one()


def next_due(session: Session, user: User, deck_id: str) -> datetime | None:
    return session.exec(
        select(func.min(ReviewState.due)).where(ReviewState.user_id == user.id, ReviewState.deck_id == deck_id)
    ).one()
