"""The tables. Every row that belongs to a workspace or guild carries ``tenant_id``, and every query filters by it.

Unique constraints carry the exactly-once rules: one daily post per channel and question day, one reveal,
self-grade and participation per member and post, one ledger entry per reason and reference, one processed
event per id.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel, col


class Tenant(SQLModel, table=True):
    __tablename__ = "tenants"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_tenant_platform_external"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    created_at: datetime


class Channel(SQLModel, table=True):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("tenant_id", "external_id", name="uq_channel_tenant_external"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    external_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    deck_id: str = Field(max_length=80)
    categories: str = Field(default="", max_length=500)  # comma-separated category ids; empty = all
    language: str = Field(max_length=8)
    timezone: str = Field(max_length=64)
    post_time: str = Field(default="09:00", max_length=5)  # HH:MM local
    days: str = Field(default="mon-fri", max_length=40)  # as understood by rules.schedule.parse_days
    reveal_emoji: str = Field(default="👀", max_length=64)
    enabled: bool = Field(default=False)
    weekly_day: str = Field(default="mon", max_length=3)  # weekday of the weekly leaderboard post, or "off"
    eod_time: str | None = Field(default=None, max_length=5)  # HH:MM of the end-of-day public reveal; None = off
    failures: int = Field(default=0)  # consecutive permanent posting failures (no access, archived...)
    notice: str | None = Field(default=None, max_length=40)  # a message key for the next admin who uses a command
    question_order: str = Field(default="shuffled", max_length=10)  # shuffled | adaptive (rules.selection)
    created_at: datetime
    updated_at: datetime


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id", name="uq_user_tenant_external"),
        Index("ix_user_tenant_lower_name", "tenant_id", text("lower(display_name)")),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    external_id: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=200)
    language: str | None = Field(default=None, max_length=8)  # chosen with /studybot mylanguage; None = automatic
    locale: str = Field(default="", max_length=16)  # the platform's language for the member, as last reported
    created_at: datetime


class Team(SQLModel, table=True):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("tenant_id", "name_key", name="uq_team_tenant_name"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    name: str = Field(max_length=40)
    name_key: str = Field(max_length=40)  # case-folded name: "Owls" and "owls" are one team
    created_by: int = Field(foreign_key="users.id")
    member_count: int = Field(default=0)  # kept by services.totals on join and leave
    created_at: datetime


class TeamMember(SQLModel, table=True):
    """A member belongs to at most one team per tenant."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_team_member_tenant_user"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    team_id: int = Field(foreign_key="teams.id", index=True)
    user_id: int = Field(foreign_key="users.id")
    joined_at: datetime


class DailyPost(SQLModel, table=True):
    """A daily question claimed for (channel, question day). ``seq`` numbers a channel's posts 1, 2, 3..."""

    __tablename__ = "daily_posts"
    __table_args__ = (
        UniqueConstraint("channel_id", "question_day", name="uq_daily_post_channel_day"),
        UniqueConstraint("channel_id", "seq", name="uq_daily_post_channel_seq"),
        Index("ix_daily_post_channel_message", "channel_id", "message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    channel_id: int = Field(foreign_key="channels.id")
    question_day: date
    seq: int
    cycle: int = Field(default=0)
    deck_id: str = Field(max_length=80)
    question_id: str = Field(max_length=80)
    status: str = Field(default="claimed", max_length=16)  # claimed -> sent | failed
    message_id: str | None = Field(default=None, max_length=64)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=300)
    claimed_at: datetime
    sent_at: datetime | None = None


class Reveal(SQLModel, table=True):
    __tablename__ = "reveals"
    __table_args__ = (UniqueConstraint("post_id", "user_id", name="uq_reveal_post_user"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    post_id: int = Field(foreign_key="daily_posts.id")
    user_id: int = Field(foreign_key="users.id")
    via: str = Field(max_length=16)  # reaction | button
    created_at: datetime


class SelfGrade(SQLModel, table=True):
    __tablename__ = "self_grades"
    __table_args__ = (UniqueConstraint("post_id", "user_id", name="uq_self_grade_post_user"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    post_id: int = Field(foreign_key="daily_posts.id")
    user_id: int = Field(foreign_key="users.id")
    grade: str = Field(max_length=8)  # again | hard | good | easy
    created_at: datetime


class Participation(SQLModel, table=True):
    """A member engaged with a channel's open daily question: the unit of streaks."""

    __tablename__ = "participations"
    __table_args__ = (
        UniqueConstraint("post_id", "user_id", name="uq_participation_post_user"),
        Index("ix_participation_user_day", "tenant_id", "user_id", "question_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    channel_id: int = Field(foreign_key="channels.id")
    post_id: int = Field(foreign_key="daily_posts.id")
    user_id: int = Field(foreign_key="users.id")
    seq: int
    question_day: date
    created_at: datetime


class Streak(SQLModel, table=True):
    """Running streak per member and channel, updated on each participation."""

    __tablename__ = "streaks"
    __table_args__ = (UniqueConstraint("channel_id", "user_id", name="uq_streak_channel_user"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    channel_id: int = Field(foreign_key="channels.id")
    user_id: int = Field(foreign_key="users.id", index=True)
    current: int = Field(default=0)
    longest: int = Field(default=0)
    last_seq: int | None = None
    freezes: int = Field(default=0)
    saved: int = Field(default=0)
    broken_run: int = Field(default=0)
    broken_gap: int = Field(default=0)
    updated_at: datetime


class QuizSession(SQLModel, table=True):
    __tablename__ = "quiz_sessions"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    channel_id: int = Field(foreign_key="channels.id")
    user_id: int = Field(foreign_key="users.id")
    deck_id: str = Field(max_length=80)
    language: str = Field(max_length=8)
    items: str  # JSON list of "question_id#item_id"
    answered: int = Field(default=0)
    correct: int = Field(default=0)
    points: int = Field(default=0)
    status: str = Field(default="open", max_length=16)  # open | done
    created_at: datetime


class QuizAttempt(SQLModel, table=True):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("session_id", "position", name="uq_quiz_attempt_session_position"),
        Index("ix_quiz_attempt_tenant_question", "tenant_id", "question_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    session_id: int = Field(foreign_key="quiz_sessions.id")
    user_id: int = Field(foreign_key="users.id")
    position: int
    question_id: str = Field(max_length=80)
    item_id: str = Field(max_length=20)
    chosen: int  # the position (letter) the member clicked, in the order they were shown
    correct: bool
    created_at: datetime
    option_index: int | None = None  # the option picked, as its index in the deck file (None: never for new rows)
    option_order: str | None = Field(default=None, max_length=16)  # deck indices in shown order, e.g. "2,0,3,1"


class PointsEntry(SQLModel, table=True):
    """The points ledger: one row per award, unique per (member, reason, reference) so nothing pays twice."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "reason", "ref_key", name="uq_points_award"),
        Index("ix_points_tenant_created", "tenant_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    user_id: int = Field(foreign_key="users.id", index=True)
    channel_id: int | None = Field(default=None, foreign_key="channels.id")
    reason: str = Field(max_length=20)  # participation | correct_answer | streak_bonus
    ref_key: str = Field(max_length=80)
    points: int
    created_at: datetime


class PointsTotal(SQLModel, table=True):
    """A member's running points per period ("all", "week:2026-11-23", "month:2026-11"), added to in the same
    transaction as each ledger entry, so a leaderboard reads the top of an index instead of summing the ledger."""

    __tablename__ = "points_totals"
    __table_args__ = (
        UniqueConstraint("tenant_id", "period", "user_id", name="uq_points_total_period_user"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    user_id: int = Field(foreign_key="users.id", index=True)
    period: str = Field(max_length=16)
    points: int = Field(default=0)
    reached_at: datetime | None = None  # when the last points were added: ties go to whoever got there first


# The leaderboard's order: most points, then whoever reached them first; a leaderboard reads its top ten rows.
Index(
    "ix_points_total_rank",
    col(PointsTotal.tenant_id),
    col(PointsTotal.period),
    col(PointsTotal.points).desc(),
    col(PointsTotal.reached_at),
    col(PointsTotal.user_id),
)


class TeamTotal(SQLModel, table=True):
    """A team's running points per period: the sum of its current members' totals (moved on join and leave)."""

    __tablename__ = "team_totals"
    __table_args__ = (
        UniqueConstraint("team_id", "period", name="uq_team_total_team_period"),
        Index("ix_team_total_tenant_period", "tenant_id", "period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    team_id: int = Field(foreign_key="teams.id")
    period: str = Field(max_length=16)
    points: int = Field(default=0)


class ProcessedEvent(SQLModel, table=True):
    """Inbound events already handled: a retried delivery finds its id here and has no effect."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("platform", "tenant_key", "event_id", name="uq_processed_event"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    tenant_key: str = Field(max_length=64)
    event_id: str = Field(max_length=128)
    created_at: datetime = Field(index=True)


class ScheduledPost(SQLModel, table=True):
    """Posts besides the daily question (weekly leaderboard, end-of-day reveal), claimed once per channel and day."""

    __tablename__ = "scheduled_posts"
    __table_args__ = (UniqueConstraint("channel_id", "kind", "day", name="uq_scheduled_post_channel_kind_day"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    channel_id: int = Field(foreign_key="channels.id")
    kind: str = Field(max_length=16)  # weekly | eod
    day: date
    status: str = Field(default="claimed", max_length=16)
    message_id: str | None = Field(default=None, max_length=64)
    claimed_at: datetime


class ReviewState(SQLModel, table=True):
    """A member's spaced-repetition state for one question (an FSRS card), updated on self-grades and quiz answers."""

    __tablename__ = "review_states"
    __table_args__ = (
        UniqueConstraint("user_id", "deck_id", "question_id", name="uq_review_state_user_question"),
        Index("ix_review_state_user_due", "user_id", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    user_id: int = Field(foreign_key="users.id")
    deck_id: str = Field(max_length=80)
    question_id: str = Field(max_length=80)
    card: str  # fsrs.Card as JSON
    due: datetime
    reviews: int = Field(default=0)
    lapses: int = Field(default=0)
    updated_at: datetime


class Reminder(SQLModel, table=True):
    """A member's opt-in to a daily direct-message nudge when reviews are due, in their own timezone."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_reminder_tenant_user"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    user_id: int = Field(foreign_key="users.id")
    enabled: bool = Field(default=True)
    at: str = Field(default="09:00", max_length=5)  # local HH:MM
    timezone: str = Field(max_length=64)
    language: str = Field(default="en", max_length=8)
    last_sent_day: date | None = None
    updated_at: datetime


class Nudge(SQLModel, table=True):
    """A sent (or claimed) reminder: at most one per member and local day."""

    __tablename__ = "nudges"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_nudge_user_day"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    user_id: int = Field(foreign_key="users.id")
    day: date
    due_count: int
    created_at: datetime


class StreakRestore(SQLModel, table=True):
    """An admin's restore of a member's streak, kept with who did it."""

    __tablename__ = "streak_restores"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    channel_id: int = Field(foreign_key="channels.id")
    user_id: int = Field(foreign_key="users.id")
    restored_by: int = Field(foreign_key="users.id")
    before: int
    after: int
    created_at: datetime


class Vacation(SQLModel, table=True):
    """A member's pause: question days from ``start_day`` up to (not including) ``end_day`` neither extend nor
    break their streaks, their reviews were moved later by the days away, and no reminders go out.
    ``/vacation off`` ends it early by moving ``end_day`` to the day it was said."""

    __tablename__ = "vacations"
    __table_args__ = (Index("ix_vacation_tenant_user", "tenant_id", "user_id", "end_day"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    user_id: int = Field(foreign_key="users.id")
    start_day: date
    end_day: date
    created_at: datetime
    ended_at: datetime | None = None
class FreeAnswer(SQLModel, table=True):
    """A member's answer in their own words to a daily question, as graded against its key points."""

    __tablename__ = "free_answers"
    # ``counted`` is True on the one answer per member and post that counted, NULL on later (practice) ones: NULLs
    # are distinct in a unique key, so the key lets exactly one counted answer in, even under concurrency.
    __table_args__ = (UniqueConstraint("post_id", "user_id", "counted", name="uq_free_answer_counted"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    channel_id: int = Field(foreign_key="channels.id")
    post_id: int = Field(foreign_key="daily_posts.id")
    user_id: int = Field(foreign_key="users.id")
    deck_id: str = Field(max_length=80)
    question_id: str = Field(max_length=80)
    language: str = Field(max_length=8)
    text: str = Field(max_length=3000)
    covered: str = Field(default="", max_length=40)  # comma-separated indexes of the key points covered
    total: int
    rating: str = Field(max_length=8)  # again | hard | good | easy, from the coverage band
    counted: bool | None = Field(default=None)
    created_at: datetime


class AnswerDispute(SQLModel, table=True):
    """A member says their answer did make a key point the grader missed: once per answer and point."""

    __tablename__ = "answer_disputes"
    __table_args__ = (UniqueConstraint("answer_id", "point", name="uq_answer_dispute_point"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    answer_id: int = Field(foreign_key="free_answers.id")
    user_id: int = Field(foreign_key="users.id")
    deck_id: str = Field(max_length=80)
    question_id: str = Field(max_length=80)
    language: str = Field(max_length=8)
    point: int
    created_at: datetime
