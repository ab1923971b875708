"""Leaderboards and streak read-outs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from bot.rules.scoring import team_score
from bot.rules.streaks import StreakState, visible_current
from bot.services.posting import latest_seq
from bot.storage.models import PointsEntry, Streak, Team, TeamMember, User

PERIODS = ("week", "month", "all")
SCOPES = ("users", "teams")
LEADERBOARD_SIZE = 10


@dataclass(frozen=True)
class UserStanding:
    name: str
    points: int


@dataclass(frozen=True)
class TeamStanding:
    name: str
    score: float
    members: int
    total: int


def period_start(period: str, now: datetime, timezone: str) -> datetime | None:
    """The UTC instant the period began, in the channel's local calendar (weeks start on Monday)."""
    if period == "all":
        return None
    today = now.astimezone(ZoneInfo(timezone)).date()
    first: date = today - timedelta(days=today.weekday()) if period == "week" else today.replace(day=1)
    return datetime.combine(first, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _points_by_user(
    session: Session, tenant_id: int, since: datetime | None, until: datetime | None = None
) -> dict[int, int]:
    stmt = select(PointsEntry.user_id, func.sum(PointsEntry.points)).where(PointsEntry.tenant_id == tenant_id)
    if since is not None:
        stmt = stmt.where(PointsEntry.created_at >= since)
    if until is not None:
        stmt = stmt.where(PointsEntry.created_at < until)
    return {uid: int(total) for uid, total in session.exec(stmt.group_by(PointsEntry.user_id)).all()}


def user_leaderboard(
    session: Session, tenant_id: int, since: datetime | None, until: datetime | None = None
) -> list[UserStanding]:
    stmt = (
        select(User.display_name, func.sum(PointsEntry.points).label("total"))
        .join(User, User.id == PointsEntry.user_id)
        .where(PointsEntry.tenant_id == tenant_id)
    )
    if since is not None:
        stmt = stmt.where(PointsEntry.created_at >= since)
    stmt = (
        stmt.group_by(User.id, User.display_name)
        .order_by(func.sum(PointsEntry.points).desc(), User.display_name)
        .limit(LEADERBOARD_SIZE)
    )
    return [UserStanding(name, int(total)) for name, total in session.exec(stmt).all() if total]


def team_leaderboard(
    session: Session, tenant_id: int, since: datetime | None, until: datetime | None = None
) -> list[TeamStanding]:
    points = _points_by_user(session, tenant_id, since, until)
    rows = session.exec(
        select(Team.id, Team.name, TeamMember.user_id)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(Team.tenant_id == tenant_id)
    ).all()
    members: dict[tuple[int, str], list[int]] = {}
    for team_id, name, user_id in rows:
        members.setdefault((team_id, name), []).append(points.get(user_id, 0))
    standings = [TeamStanding(name, team_score(pts), len(pts), sum(pts)) for (_, name), pts in members.items()]
    standings.sort(key=lambda s: (-s.score, s.name.casefold()))
    return [s for s in standings if s.total > 0][:LEADERBOARD_SIZE]


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def visible(state: StreakState, latest: int | None) -> int:
    return visible_current(state, latest)


@dataclass(frozen=True)
class StreakView:
    current: int
    longest: int
    freezes: int
    saved: int


def streak_view(session: Session, channel_id: int, user: User) -> StreakView:
    """The member's streak in the channel as it stands while today's question is open."""
    row = session.exec(select(Streak).where(Streak.channel_id == channel_id, Streak.user_id == user.id)).first()
    if row is None:
        return StreakView(0, 0, 0, 0)
    state = StreakState(row.current, row.longest, row.last_seq, row.freezes, row.saved, row.broken_run,
                        row.broken_gap)
    latest = latest_seq(session, channel_id)
    current = visible_current(state, latest)
    return StreakView(current, row.longest, row.freezes if current else 0, row.saved)


def streak_of(session: Session, channel_id: int, user: User) -> tuple[int, int]:
    """(current, longest) for ``user`` in the channel, current as it stands while today's question is open."""
    view = streak_view(session, channel_id, user)
    return view.current, view.longest
