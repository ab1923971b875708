"""Reveals, self-grades and participation, with the streak and points they bring, each at most once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from bot.rules import scoring
from bot.rules.periods import keys_for, local_day
from bot.rules.streaks import StreakState, earns_bonus, record_engagement
from bot.services import reviews, totals
from bot.services.posting import latest_seq
from bot.storage.db import insert_ignore
from bot.storage.models import Channel, DailyPost, Participation, PointsEntry, Reveal, SelfGrade, Streak, User

GRADES = ("again", "hard", "good", "easy")


@dataclass(frozen=True)
class Engagement:
    counted: bool  # a new participation for the open question day
    points: int


def award(
    session: Session,
    user: User,
    channel_id: int | None,
    reason: str,
    ref_key: str,
    points: int,
    now: datetime,
) -> bool:
    """Add a ledger entry once per (member, reason, reference), and its points to the running totals of the
    member and their team for the periods holding ``now`` in the channel's calendar. True when it was added now."""
    assert user.id is not None
    added = insert_ignore(
        session,
        PointsEntry,
        tenant_id=user.tenant_id,
        user_id=user.id,
        channel_id=channel_id,
        reason=reason,
        ref_key=ref_key,
        points=points,
        created_at=now,
    )
    if added:
        channel = session.get(Channel, channel_id) if channel_id is not None else None
        day = local_day(now, channel.timezone if channel else "UTC")
        totals.add(session, user.tenant_id, user.id, keys_for(day), points, now)
    return added


def streak_row(session: Session, channel_id: int, user: User, now: datetime) -> Streak:
    assert user.id is not None
    insert_ignore(
        session,
        Streak,
        tenant_id=user.tenant_id,
        channel_id=channel_id,
        user_id=user.id,
        current=0,
        longest=0,
        updated_at=now,
    )
    row = session.exec(select(Streak).where(Streak.channel_id == channel_id, Streak.user_id == user.id)).one()
    return row


def state_of(row: Streak) -> StreakState:
    return StreakState(row.current, row.longest, row.last_seq, row.freezes, row.saved, row.broken_run, row.broken_gap)


def store_state(row: Streak, state: StreakState, now: datetime) -> None:
    row.current, row.longest, row.last_seq = state.current, state.longest, state.last_seq
    row.freezes, row.saved = state.freezes, state.saved
    row.broken_run, row.broken_gap = state.broken_run, state.broken_gap
    row.updated_at = now


def participate(session: Session, post: DailyPost, user: User, now: datetime) -> Engagement:
    """Count engagement with ``post`` if it is the channel's open question (the latest one) and not yet counted."""
    assert post.id is not None and user.id is not None
    if post.seq != latest_seq(session, post.channel_id):
        return Engagement(counted=False, points=0)
    inserted = insert_ignore(
        session,
        Participation,
        tenant_id=post.tenant_id,
        channel_id=post.channel_id,
        post_id=post.id,
        user_id=user.id,
        seq=post.seq,
        question_day=post.question_day,
        created_at=now,
    )
    if not inserted:
        return Engagement(counted=False, points=0)
    points = 0
    if award(session, user, post.channel_id, "participation", f"post:{post.id}", scoring.PARTICIPATION_POINTS, now):
        points += scoring.PARTICIPATION_POINTS
    row = streak_row(session, post.channel_id, user, now)
    before = state_of(row)
    after = record_engagement(before, post.seq)
    store_state(row, after, now)
    session.add(row)
    if earns_bonus(before, after) and award(
        session,
        user,
        post.channel_id,
        "streak_bonus",
        f"streak:{post.channel_id}:{post.seq}",
        scoring.STREAK_BONUS_POINTS,
        now,
    ):
        points += scoring.STREAK_BONUS_POINTS
    return Engagement(counted=True, points=points)


def reveal(session: Session, post: DailyPost, user: User, via: str, now: datetime) -> bool:
    """Record a reveal; False when this member had revealed this post already."""
    assert post.id is not None and user.id is not None
    first = insert_ignore(
        session, Reveal, tenant_id=post.tenant_id, post_id=post.id, user_id=user.id, via=via, created_at=now
    )
    if first:
        participate(session, post, user, now)
    return first


def self_grade(session: Session, post: DailyPost, user: User, grade: str, now: datetime) -> bool:
    """Record a self-grade (again, hard, good, easy); False when this member had graded this post already."""
    assert post.id is not None and user.id is not None and grade in GRADES
    first = insert_ignore(
        session, SelfGrade, tenant_id=post.tenant_id, post_id=post.id, user_id=user.id, grade=grade, created_at=now
    )
    if first:
        participate(session, post, user, now)
        reviews.record(session, user, post.deck_id, post.question_id, grade, now)
    return first
