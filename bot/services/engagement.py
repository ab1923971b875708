"""Reveals, self-grades and participation, with the streak and points they bring, each at most once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from bot.rules import scoring
from bot.rules.periods import keys_for, local_day
from bot.rules.streaks import StreakState, earns_bonus, record_engagement
from bot.services import reviews, totals, vacations
from bot.services.posting import latest_seq
from bot.services.reactions import MemberFacts, PostFacts
from bot.services.reviews import Grade
from bot.storage.db import insert_ignore
from bot.storage.ids import id_of
from bot.storage.models import Channel, DailyPost, Participation, PointsEntry, Reveal, SelfGrade, Streak, User

GRADES: tuple[Grade, ...] = tuple(Grade)


class Reason(StrEnum):
    """Why points were added: ``PointsEntry.reason``, one entry per reason and reference."""

    PARTICIPATION = "participation"
    CORRECT_ANSWER = "correct_answer"
    STREAK_BONUS = "streak_bonus"


@dataclass(frozen=True)
class Engagement:
    counted: bool  # a new participation for the open question day
    points: int


def award(
    session: Session,
    user: User | MemberFacts,
    channel_id: int | None,
    reason: Reason,
    ref_key: str,
    points: int,
    now: datetime,
    timezone: str | None = None,
) -> bool:
    """Add a ledger entry once per (member, reason, reference), and its points to the running totals of the
    member and their team for the periods holding ``now`` in the calendar of the channel (``timezone``, when the
    caller knows it). True when it was added now."""
    user_id = id_of(user)
    added = insert_ignore(
        session,
        PointsEntry,
        tenant_id=user.tenant_id,
        user_id=user_id,
        channel_id=channel_id,
        reason=reason,
        ref_key=ref_key,
        points=points,
        created_at=now,
    )
    if added:
        if timezone is None:
            channel = session.get(Channel, channel_id) if channel_id is not None else None
            timezone = channel.timezone if channel else "UTC"
        day = local_day(now, timezone)
        totals.add(session, user.tenant_id, user_id, keys_for(day), points, now)
    return added


def streak_row(session: Session, channel_id: int, user: User, now: datetime) -> Streak:
    user_id = id_of(user)
    insert_ignore(
        session,
        Streak,
        tenant_id=user.tenant_id,
        channel_id=channel_id,
        user_id=user_id,
        current=0,
        longest=0,
        updated_at=now,
    )
    row = session.exec(select(Streak).where(Streak.channel_id == channel_id, Streak.user_id == user_id)).one()
    return row


def state_of(row: Streak) -> StreakState:
    return StreakState(row.current, row.longest, row.last_seq, row.freezes, row.saved, row.broken_run, row.broken_gap)


def store_state(row: Streak, state: StreakState, now: datetime) -> None:
    row.current, row.longest, row.last_seq = state.current, state.longest, state.last_seq
    row.freezes, row.saved = state.freezes, state.saved
    row.broken_run, row.broken_gap = state.broken_run, state.broken_gap
    row.updated_at = now


_STATE_COLUMNS = ("current", "longest", "last_seq", "freezes", "saved", "broken_run", "broken_gap")


@cache
def _streak_statements() -> tuple[Any, Any]:
    """(select for update, update) of one member's streak in one channel, built once."""
    table = Streak.__table__  # type: ignore[attr-defined]
    key = (table.c.channel_id == bindparam("key_channel")) & (table.c.user_id == bindparam("key_user"))
    read = select(*(table.c[name] for name in _STATE_COLUMNS)).where(key).with_for_update()
    write = (
        update(table).where(key).values({name: bindparam(f"new_{name}") for name in (*_STATE_COLUMNS, "updated_at")})
    )
    return read, write


def advance_streak(
    session: Session, tenant_id: int, channel_id: int, user_id: int, seq: int, now: datetime
) -> tuple[StreakState, StreakState]:
    """Record engagement with question day ``seq`` on the member's streak: (before, after).

    Plain statements on the session's connection, not ORM objects: this runs on every reveal. The row is read
    FOR UPDATE (PostgreSQL), so two engagements of one member in one channel queue instead of losing one."""
    read, write = _streak_statements()
    connection = session.connection()
    key = {"key_channel": channel_id, "key_user": user_id}
    row = connection.execute(read, key).first()
    before = StreakState(*row) if row is not None else StreakState()
    excused = 0
    if before.last_seq is not None and seq - before.last_seq > 1:  # days missed: were any of them a vacation?
        excused = vacations.excused_days(session, tenant_id, channel_id, user_id, before.last_seq, seq)
    after = record_engagement(before, seq, excused)
    values = {name: getattr(after, name) for name in _STATE_COLUMNS}
    if row is None:
        inserted = insert_ignore(
            session, Streak, tenant_id=tenant_id, channel_id=channel_id, user_id=user_id, updated_at=now, **values
        )
        if inserted:
            return before, after
        return advance_streak(session, tenant_id, channel_id, user_id, seq, now)  # another took the first row
    if after != before:
        connection.execute(write, {**key, **{f"new_{k}": v for k, v in values.items()}, "new_updated_at": now})
    return before, after


def participate(
    session: Session,
    post: DailyPost | PostFacts,
    user: User | MemberFacts,
    now: datetime,
    latest: int | None = None,
    timezone: str | None = None,
) -> Engagement:
    """Count engagement with ``post`` if it is the channel's open question (the latest one) and not yet counted.
    ``latest`` (the channel's latest ``seq``) and ``timezone``: when the caller read them already."""
    post_id, user_id = id_of(post), id_of(user)
    if post.seq != (latest if latest is not None else latest_seq(session, post.channel_id)):
        return Engagement(counted=False, points=0)
    inserted = insert_ignore(
        session,
        Participation,
        tenant_id=post.tenant_id,
        channel_id=post.channel_id,
        post_id=post_id,
        user_id=user_id,
        seq=post.seq,
        question_day=post.question_day,
        created_at=now,
    )
    if not inserted:
        return Engagement(counted=False, points=0)
    points = 0
    if award(
        session,
        user,
        post.channel_id,
        Reason.PARTICIPATION,
        f"post:{post_id}",
        scoring.PARTICIPATION_POINTS,
        now,
        timezone,
    ):
        points += scoring.PARTICIPATION_POINTS
    before, after = advance_streak(session, post.tenant_id, post.channel_id, user_id, post.seq, now)
    if earns_bonus(before, after) and award(
        session,
        user,
        post.channel_id,
        Reason.STREAK_BONUS,
        f"streak:{post.channel_id}:{post.seq}",
        scoring.STREAK_BONUS_POINTS,
        now,
        timezone,
    ):
        points += scoring.STREAK_BONUS_POINTS
    return Engagement(counted=True, points=points)


def reveal(
    session: Session,
    post: DailyPost | PostFacts,
    user: User | MemberFacts,
    via: str,
    now: datetime,
    latest: int | None = None,
    timezone: str | None = None,
) -> bool:
    """Record a reveal; False when this member had revealed this post already. ``latest``, ``timezone``: as for
    :func:`participate`."""
    post_id, user_id = id_of(post), id_of(user)
    first = insert_ignore(
        session, Reveal, tenant_id=post.tenant_id, post_id=post_id, user_id=user_id, via=via, created_at=now
    )
    if first:
        participate(session, post, user, now, latest, timezone)
    return first


def self_grade(session: Session, post: DailyPost, user: User, grade: Grade, now: datetime) -> bool:
    """Record a self-grade (again, hard, good, easy); False when this member had graded this post already."""
    if grade not in GRADES:
        raise ValueError(f"unknown grade {grade!r}: one of {', '.join(GRADES)}, e.g. 'good'")
    post_id, user_id = id_of(post), id_of(user)
    first = insert_ignore(
        session, SelfGrade, tenant_id=post.tenant_id, post_id=post_id, user_id=user_id, grade=grade, created_at=now
    )
    if first:
        participate(session, post, user, now)
        reviews.record(session, user, post.deck_id, post.question_id, grade, now)
    return first
