"""Answers in a member's own words: stored with their grade, counted once per post, and disputes of missed points."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.rules.grading import Grade, fsrs_rating
from bot.services import reviews
from bot.services.engagement import participate
from bot.storage.db import insert_ignore
from bot.storage.models import AnswerDispute, DailyPost, FreeAnswer, User


@dataclass(frozen=True)
class Recorded:
    answer: FreeAnswer
    first: bool  # the member's first answer to this post: it counted as participation and as a review
    points: int


def record(
    session: Session, post: DailyPost, user: User, language: str, text: str, grade: Grade, now: datetime
) -> Recorded:
    """Store a graded answer. The first answer of a member to a post counts as participation and as an FSRS review
    (rating from the coverage band); later ones are practice, stored and graded but not counted again."""
    assert post.id is not None and user.id is not None
    rating = fsrs_rating(grade)
    values: dict[str, Any] = dict(
        tenant_id=post.tenant_id,
        channel_id=post.channel_id,
        post_id=post.id,
        user_id=user.id,
        deck_id=post.deck_id,
        question_id=post.question_id,
        language=language,
        text=text,
        covered=",".join(str(i) for i, p in enumerate(grade.points) if p.covered),
        total=grade.total,
        rating=rating,
        created_at=now,
    )
    first = insert_ignore(session, FreeAnswer, **values, counted=True)
    if first:
        row = session.exec(
            select(FreeAnswer).where(
                FreeAnswer.post_id == post.id, FreeAnswer.user_id == user.id, FreeAnswer.counted == True  # noqa: E712
            )
        ).one()
    else:
        row = FreeAnswer(**values, counted=None)
        session.add(row)
        session.flush()
    points = 0
    if first:
        points = participate(session, post, user, now).points
        reviews.record(session, user, post.deck_id, post.question_id, reviews.Grade(rating), now)
    return Recorded(row, first, points)


def covered_points(answer: FreeAnswer) -> set[int]:
    return {int(i) for i in answer.covered.split(",") if i}


def dispute(session: Session, answer: FreeAnswer, user: User, point: int, now: datetime) -> bool:
    """Record that the member made ``point`` in ``answer`` after all; False when already recorded."""
    assert answer.id is not None and user.id is not None
    return insert_ignore(
        session,
        AnswerDispute,
        tenant_id=answer.tenant_id,
        answer_id=answer.id,
        user_id=user.id,
        deck_id=answer.deck_id,
        question_id=answer.question_id,
        language=answer.language,
        point=point,
        created_at=now,
    )


def disputed_points(session: Session, tenant_id: int, channel_id: int | None) -> Counter[tuple[str, str, int]]:
    """How often each (question, language, key point) was disputed: where the deck's terms need new phrasings."""
    stmt = (
        select(col(AnswerDispute.question_id), col(AnswerDispute.language), col(AnswerDispute.point), func.count())
        .join(FreeAnswer, col(FreeAnswer.id) == col(AnswerDispute.answer_id))
        .where(AnswerDispute.tenant_id == tenant_id)
        .group_by(col(AnswerDispute.question_id), col(AnswerDispute.language), col(AnswerDispute.point))
    )
    if channel_id is not None:
        stmt = stmt.where(FreeAnswer.channel_id == channel_id)
    return Counter({(q, lang, point): n for q, lang, point, n in session.exec(stmt).all()})
