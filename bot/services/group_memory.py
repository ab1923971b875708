"""What a channel's group remembers: the mean FSRS retrievability of each posted question over its active members.

Adaptive order (``rules.selection.choose_adaptive``) posts the question this is lowest for. A member is active in
a channel when they engaged with one of its questions in the last ``ACTIVE_DAYS`` days; an active member with no
card for a posted question (away that day, or joined later) counts as not recalling it, since they need it too.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from datetime import date, datetime, timedelta

from fsrs import Card
from sqlmodel import Session, col, select

from bot.services.reviews import scheduler
from bot.storage.models import DailyPost, Participation, ReviewState

#: Members who engaged with the channel within this many days make up its group.
ACTIVE_DAYS = 28


def posted_questions(session: Session, channel_id: int, deck_id: str) -> list[str]:
    """The channel's posts from the deck, oldest first (question ids; a question posted twice appears twice)."""
    return list(
        session.exec(
            select(DailyPost.question_id)
            .where(DailyPost.channel_id == channel_id, DailyPost.deck_id == deck_id)
            .order_by(col(DailyPost.seq))
        ).all()
    )


def active_members(session: Session, channel_id: int, today: date) -> list[int]:
    since = today - timedelta(days=ACTIVE_DAYS)
    return list(
        session.exec(
            select(Participation.user_id)
            .where(Participation.channel_id == channel_id, Participation.question_day >= since)
            .distinct()
        ).all()
    )


def group_recall(
    session: Session, channel_id: int, deck_id: str, question_ids: set[str], today: date, now: datetime
) -> dict[str, float]:
    """Mean retrievability at ``now`` of each of ``question_ids`` over the channel's active members; questions
    with no active member at all are left out (the selection rule treats them as forgotten)."""
    members = active_members(session, channel_id, today)
    if not members or not question_ids:
        return {}
    rows = session.exec(
        select(ReviewState.user_id, ReviewState.question_id, ReviewState.card).where(
            col(ReviewState.user_id).in_(members),
            ReviewState.deck_id == deck_id,
            col(ReviewState.question_id).in_(question_ids),
        )
    ).all()
    return mean_recall(members, ((u, q, Card.from_json(card)) for u, q, card in rows), question_ids, now)


def mean_recall(
    members: Sequence[Hashable], cards: Iterable[tuple[Hashable, str, Card]], question_ids: Iterable[str], now: datetime
) -> dict[str, float]:
    """Mean retrievability at ``now`` per question over ``members``; a member without a card for it counts 0."""
    if not members:
        return {}
    recall: dict[str, dict[Hashable, float]] = defaultdict(dict)
    for member, question_id, card in cards:
        recall[question_id][member] = scheduler().get_card_retrievability(card, now)
    return {q: statistics.fmean(recall[q].get(m, 0.0) for m in members) for q in question_ids}
