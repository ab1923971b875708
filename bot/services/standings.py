"""Leaderboards and streak read-outs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.rules.periods import local_day, period_key
from bot.rules.scoring import team_score
from bot.rules.streaks import StreakState, visible_current
from bot.services import vacations
from bot.services.posting import latest_seq
from bot.storage.models import PointsTotal, Streak, Team, TeamTotal, User

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


def period_key_at(period: str, now: datetime, timezone: str) -> str:
    """The running-totals key of ``period`` (week, month, all) as it stands at ``now`` in ``timezone``."""
    return period_key(period, local_day(now, timezone))


def user_leaderboard(session: Session, tenant_id: int, period: str) -> list[UserStanding]:
    """The top members for a period key: most points first, ties to whoever reached their points first; the
    top rows of one index."""
    stmt = (
        select(User.display_name, PointsTotal.points)
        .join(User, col(User.id) == PointsTotal.user_id)
        .where(PointsTotal.tenant_id == tenant_id, PointsTotal.period == period, PointsTotal.points > 0)
        .order_by(
            PointsTotal.points.desc(),  # type: ignore[attr-defined]
            PointsTotal.reached_at,  # type: ignore[arg-type]
            PointsTotal.user_id,  # type: ignore[arg-type]
        )
        .limit(LEADERBOARD_SIZE)
    )
    return [UserStanding(name, int(points)) for name, points in session.exec(stmt).all()]


def team_leaderboard(session: Session, tenant_id: int, period: str) -> list[TeamStanding]:
    """The top teams for a period key, by their members' mean (a tenant has few teams: all are ranked)."""
    rows = session.exec(
        select(Team.name, Team.member_count, TeamTotal.points)
        .join(Team, col(Team.id) == TeamTotal.team_id)
        .where(TeamTotal.tenant_id == tenant_id, TeamTotal.period == period, TeamTotal.points > 0)
    ).all()
    standings = [
        TeamStanding(name, team_score(int(total), members), members, int(total)) for name, members, total in rows
    ]
    standings.sort(key=lambda s: (-s.score, s.name.casefold()))
    return standings[:LEADERBOARD_SIZE]


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
    state = StreakState(row.current, row.longest, row.last_seq, row.freezes, row.saved, row.broken_run, row.broken_gap)
    latest = latest_seq(session, channel_id)
    excused = 0
    if row.last_seq is not None and latest is not None:
        excused = vacations.excused_days(session, row.tenant_id, channel_id, row.user_id, row.last_seq, latest)
    current = visible_current(state, latest, excused)
    return StreakView(current, row.longest, row.freezes if current else 0, row.saved)


def streak_of(session: Session, channel_id: int, user: User) -> tuple[int, int]:
    """(current, longest) for ``user`` in the channel, current as it stands while today's question is open."""
    view = streak_view(session, channel_id, user)
    return view.current, view.longest
