"""Rebuild the running totals (members' and teams' points per period, teams' member counts) from the ledger.

Used by the migration that introduced them and by ``studybot db rebuild-totals``. Written against plain table
definitions, not the models, so the migration keeps working when the models move on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.rules.periods import keys_for

BATCH = 5_000

_ledger = sa.table(
    "points_ledger",
    sa.column("tenant_id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("channel_id", sa.Integer),
    sa.column("points", sa.Integer),
    sa.column("created_at", sa.DateTime),
)
_channels = sa.table("channels", sa.column("id", sa.Integer), sa.column("timezone", sa.String))
_members = sa.table(
    "team_members",
    sa.column("tenant_id", sa.Integer),
    sa.column("team_id", sa.Integer),
    sa.column("user_id", sa.Integer),
)
_teams = sa.table("teams", sa.column("id", sa.Integer), sa.column("member_count", sa.Integer))
_points_totals = sa.table(
    "points_totals",
    sa.column("tenant_id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("period", sa.String),
    sa.column("points", sa.Integer),
    sa.column("reached_at", sa.DateTime(timezone=True)),
)
_team_totals = sa.table(
    "team_totals",
    sa.column("tenant_id", sa.Integer),
    sa.column("team_id", sa.Integer),
    sa.column("period", sa.String),
    sa.column("points", sa.Integer),
)


@lru_cache(maxsize=256)
def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; the ledger stores UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _stored(moment: datetime | None, conn: Connection) -> datetime | None:
    """UTC, naive on SQLite (as the models store it there)."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None) if conn.dialect.name == "sqlite" else moment


def _batches(rows: Iterator[dict], size: int = BATCH) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def rebuild_totals(conn: Connection) -> dict[str, int]:
    """Recompute every total from the ledger and the team memberships, in the caller's transaction.
    Returns how many rows each table got."""
    member_totals: dict[tuple[int, int, str], int] = defaultdict(int)
    reached: dict[tuple[int, int, str], datetime] = {}
    query = sa.select(
        _ledger.c.tenant_id, _ledger.c.user_id, _ledger.c.points, _ledger.c.created_at, _channels.c.timezone
    ).select_from(_ledger.outerjoin(_channels, _channels.c.id == _ledger.c.channel_id))
    for tenant_id, user_id, points, created_at, timezone in conn.execute(query.execution_options(yield_per=BATCH)):
        moment = _aware(created_at)
        for key in keys_for(moment.astimezone(_zone(timezone)).date()):
            member = (tenant_id, user_id, key)
            member_totals[member] += points
            if points > 0 and (member not in reached or reached[member] < moment):
                reached[member] = moment  # when the last points came: the leaderboard's tie-break

    team_of = {(tenant, user): team for tenant, team, user in conn.execute(sa.select(_members))}
    team_totals: dict[tuple[int, int, str], int] = defaultdict(int)
    for (tenant_id, user_id, key), points in member_totals.items():
        team = team_of.get((tenant_id, user_id))
        if team is not None:
            team_totals[(tenant_id, team, key)] += points
    sizes: dict[int, int] = defaultdict(int)
    for team in team_of.values():
        sizes[team] += 1

    conn.execute(sa.delete(_points_totals))
    conn.execute(sa.delete(_team_totals))
    for batch in _batches(
        {"tenant_id": t, "user_id": u, "period": k, "points": p, "reached_at": _stored(reached.get((t, u, k)), conn)}
        for (t, u, k), p in member_totals.items()
    ):
        conn.execute(sa.insert(_points_totals), batch)
    for batch in _batches(
        {"tenant_id": t, "team_id": team, "period": k, "points": p} for (t, team, k), p in team_totals.items()
    ):
        conn.execute(sa.insert(_team_totals), batch)
    conn.execute(sa.update(_teams).values(member_count=0))
    for batch in _batches({"team": team, "count": count} for team, count in sizes.items()):
        conn.execute(
            sa.update(_teams).where(_teams.c.id == sa.bindparam("team")).values(member_count=sa.bindparam("count")),
            batch,
        )
    return {"points_totals": len(member_totals), "team_totals": len(team_totals), "teams": len(sizes)}
