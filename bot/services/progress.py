"""A member's progress and personal settings: quiz accuracy, participation per day, reminders, streak restores
(the queries behind ``/stats``, ``/studybot remind`` and ``restore-streak``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.rules.streaks import restore, visible_current
from bot.services.engagement import state_of, store_state, streak_row
from bot.services.posting import latest_seq
from bot.storage.db import insert_ignore
from bot.storage.ids import id_of
from bot.storage.models import Participation, QuizAttempt, Reminder, StreakRestore, User


def quiz_attempts(session: Session, tenant_id: int, user_id: int) -> list[tuple[str, bool]]:
    """(question id, correct) of every quiz answer the member gave."""
    rows = session.exec(
        select(QuizAttempt.question_id, QuizAttempt.correct).where(
            QuizAttempt.tenant_id == tenant_id, QuizAttempt.user_id == user_id
        )
    ).all()
    return [(question_id, bool(correct)) for question_id, correct in rows]


def participation_by_day(session: Session, tenant_id: int, user_id: int, after: date) -> dict[date, int]:
    """How many question days the member engaged with, per question day, for days after ``after``."""
    rows = session.exec(
        select(col(Participation.question_day), func.count())
        .where(
            Participation.tenant_id == tenant_id,
            Participation.user_id == user_id,
            Participation.question_day > after,
        )
        .group_by(col(Participation.question_day))
    ).all()
    return {day: count for day, count in rows}


def set_reminder(
    session: Session, user: User, enabled: bool, at: str | None, timezone: str, language: str, now: datetime
) -> Reminder:
    """Switch the member's daily review reminder on (at ``at`` in ``timezone``) or off."""
    user_id = id_of(user)
    insert_ignore(
        session,
        Reminder,
        tenant_id=user.tenant_id,
        user_id=user_id,
        enabled=False,
        at="09:00",
        timezone=timezone,
        language=language,
        updated_at=now,
    )
    row = session.exec(
        select(Reminder).where(Reminder.tenant_id == user.tenant_id, Reminder.user_id == user_id)
    ).one()
    row.enabled, row.updated_at = enabled, now
    if at is not None:
        row.at, row.timezone, row.language = at, timezone, language
    session.add(row)
    return row


@dataclass(frozen=True)
class Restored:
    before: int  # the streak as the member saw it
    after: int


def restore_streak(session: Session, channel_id: int, user: User, admin: User, now: datetime) -> Restored | None:
    """An admin's restore of the member's streak in the channel (see ``rules.streaks.restore``), recorded with
    who did it; None when there was nothing to restore."""
    row = streak_row(session, channel_id, user, now)
    latest = latest_seq(session, channel_id)
    before = state_of(row)
    after = restore(before, latest)
    if after == before:
        return None
    shown_before = visible_current(before, latest)
    store_state(row, after, now)
    session.add(row)
    session.add(
        StreakRestore(
            tenant_id=user.tenant_id,
            channel_id=channel_id,
            user_id=id_of(user),
            restored_by=id_of(admin),
            before=shown_before,
            after=after.current,
            created_at=now,
        )
    )
    return Restored(shown_before, after.current)
