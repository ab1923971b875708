"""Running points totals per member, team and period, kept in step with the ledger and team memberships.

Row-lock order (PostgreSQL): a change first upserts the member's all-time total, which locks it; only then does it
read the member's team or totals. An award and a team move of the same member therefore queue behind each other
and neither adds points to a team the member has just left. Team rows are always touched in ascending team id
and period order, so two moves never lock each other's rows crosswise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy import select as core_select
from sqlmodel import Session, select

from bot.rules.periods import ALL_TIME
from bot.storage.db import upsert_add
from bot.storage.models import PointsTotal, Team, TeamMember, TeamTotal


def _add_to_member(
    session: Session, tenant_id: int, user_id: int, amounts: Iterable[tuple[str, int]], at: datetime | None = None
) -> None:
    rows = [
        {"tenant_id": tenant_id, "user_id": user_id, "period": key, "points": points, "reached_at": at}
        for key, points in amounts
    ]
    upsert_add(session, PointsTotal, rows, ("tenant_id", "period", "user_id"), "points", replace=("reached_at",))


def _add_to_team(session: Session, tenant_id: int, team_id: int, amounts: Iterable[tuple[str, int]]) -> None:
    rows = [{"tenant_id": tenant_id, "team_id": team_id, "period": key, "points": points} for key, points in amounts]
    if rows:
        upsert_add(session, TeamTotal, rows, ("team_id", "period"), "points")


@cache
def _team_query() -> Any:
    table = TeamMember.__table__  # type: ignore[attr-defined]
    return core_select(table.c.team_id).where(
        table.c.tenant_id == bindparam("tenant"), table.c.user_id == bindparam("user")
    )


def team_id_of(session: Session, tenant_id: int, user_id: int) -> int | None:
    """The member's team (a plain statement, built once: every award asks)."""
    return session.connection().execute(_team_query(), {"tenant": tenant_id, "user": user_id}).scalar()


def add(session: Session, tenant_id: int, user_id: int, keys: Sequence[str], points: int, at: datetime) -> None:
    """Add ``points`` earned ``at`` to the member's totals for ``keys`` (all-time first) and to their team's."""
    if not keys or keys[0] != ALL_TIME:
        raise ValueError(f"period keys must start with {ALL_TIME!r}, e.g. ({ALL_TIME!r}, '2026-W05'); got {keys!r}")
    amounts = [(key, points) for key in keys]
    _add_to_member(session, tenant_id, user_id, amounts, at)
    team_id = team_id_of(session, tenant_id, user_id)
    if team_id is not None:
        _add_to_team(session, tenant_id, team_id, amounts)


def lock_member(session: Session, tenant_id: int, user_id: int) -> None:
    """Take the member's all-time total row (creating it at 0), before reading their team or totals."""
    _add_to_member(session, tenant_id, user_id, [(ALL_TIME, 0)])


def member_totals(session: Session, tenant_id: int, user_id: int) -> list[tuple[str, int]]:
    rows = session.exec(
        select(PointsTotal.period, PointsTotal.points)
        .where(PointsTotal.tenant_id == tenant_id, PointsTotal.user_id == user_id)
        .order_by(PointsTotal.period)
    ).all()
    return [(period, points) for period, points in rows if points]


def move_member(session: Session, tenant_id: int, user_id: int, old_team: int | None, new_team: int | None) -> None:
    """Carry the member's points and head count from ``old_team`` to ``new_team`` (either may be None).
    Call after :func:`lock_member`."""
    if old_team == new_team:
        return
    totals = member_totals(session, tenant_id, user_id)
    changes = sorted((team, sign) for team, sign in ((old_team, -1), (new_team, 1)) if team is not None)
    for team_id, sign in changes:
        _add_to_team(session, tenant_id, team_id, [(key, sign * points) for key, points in totals])
        session.execute(
            update(Team).where(Team.id == team_id).values(member_count=Team.member_count + sign)  # type: ignore[arg-type]
        )


def member_points(session: Session, tenant_id: int, user_id: int, keys: Sequence[str]) -> dict[str, int]:
    """The member's totals for ``keys`` (0 where they have none)."""
    rows = session.exec(
        select(PointsTotal.period, PointsTotal.points).where(
            PointsTotal.tenant_id == tenant_id,
            PointsTotal.user_id == user_id,
            PointsTotal.period.in_(list(keys)),  # type: ignore[attr-defined]
        )
    ).all()
    found = dict(rows)
    return {key: int(found.get(key, 0)) for key in keys}
