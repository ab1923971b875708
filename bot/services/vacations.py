"""Members' vacations: a pause of 1 to 30 days for streaks, reviews and reminders.

Starting one moves every review the member has due later by its length (their FSRS cards too), so they come back
to the same backlog they left; ending it early moves them back by the days not taken. Question days inside a
vacation are excused from the member's streaks (``rules.streaks``); reminders skip members on vacation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fsrs import Card
from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.storage.models import DailyPost, ReviewState, Vacation

MIN_DAYS, MAX_DAYS = 1, 30


def current(session: Session, tenant_id: int, user_id: int, today: date) -> Vacation | None:
    """The member's vacation holding ``today``, if any."""
    return session.exec(
        select(Vacation).where(
            Vacation.tenant_id == tenant_id,
            Vacation.user_id == user_id,
            Vacation.start_day <= today,
            Vacation.end_day > today,
        )
    ).first()


def last_day(vacation: Vacation) -> date:
    """The last day away (``end_day`` is the first day back)."""
    return vacation.end_day - timedelta(days=1)


def shift_reviews(session: Session, user_id: int, delta: timedelta) -> int:
    """Move every review of the member by ``delta`` (the column and the FSRS card alike); how many moved."""
    rows = session.exec(select(ReviewState).where(ReviewState.user_id == user_id).with_for_update()).all()
    for row in rows:
        card = Card.from_json(row.card)
        card.due = card.due + delta
        row.card, row.due = card.to_json(), row.due + delta
        session.add(row)
    return len(rows)


@dataclass(frozen=True)
class Change:
    vacation: Vacation
    shifted_days: int  # how far the reviews moved: positive later, negative earlier


def start(session: Session, tenant_id: int, user_id: int, days: int, today: date, now: datetime) -> Change:
    """A vacation from ``today`` for ``days`` days; a vacation already running is set to end then instead."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"a vacation lasts {MIN_DAYS} to {MAX_DAYS} days, not {days}")
    end = today + timedelta(days=days)
    running = current(session, tenant_id, user_id, today)
    if running is None:
        running = Vacation(tenant_id=tenant_id, user_id=user_id, start_day=today, end_day=end, created_at=now)
        shift = days
    else:
        shift = (end - running.end_day).days
        running.end_day = end
    session.add(running)
    if shift:
        shift_reviews(session, user_id, timedelta(days=shift))
    return Change(running, shift)


def stop(session: Session, tenant_id: int, user_id: int, today: date, now: datetime) -> Change | None:
    """End the running vacation today; its reviews move back by the days not taken. None when there is none."""
    running = current(session, tenant_id, user_id, today)
    if running is None:
        return None
    unused = (running.end_day - today).days
    running.end_day, running.ended_at = today, now
    session.add(running)
    if running.end_day <= running.start_day:  # ended the day it began: nothing was taken
        session.delete(running)
    shift_reviews(session, user_id, timedelta(days=-unused))
    return Change(running, -unused)


def excused_days(
    session: Session, tenant_id: int, channel_id: int, user_id: int, after_seq: int, before_seq: int
) -> int:
    """How many of the channel's question days numbered strictly between ``after_seq`` and ``before_seq`` fell in
    one of the member's vacations."""
    if before_seq - after_seq <= 1:
        return 0
    spans = session.exec(
        select(col(Vacation.start_day), col(Vacation.end_day)).where(
            Vacation.tenant_id == tenant_id, Vacation.user_id == user_id
        )
    ).all()
    if not spans:
        return 0
    total = 0
    for first, end in spans:
        total += session.exec(
            select(func.count())
            .select_from(DailyPost)
            .where(
                DailyPost.channel_id == channel_id,
                col(DailyPost.seq) > after_seq,
                col(DailyPost.seq) < before_seq,
                DailyPost.question_day >= first,
                DailyPost.question_day < end,
            )
        ).one()
    return total
