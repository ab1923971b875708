"""Teams within a tenant; a member is in at most one."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, col, select

from bot.services import totals
from bot.storage.ids import id_of
from bot.storage.models import Team, TeamMember, User

MAX_TEAM_NAME = 30
_TEAM_NAME = re.compile(r"^[\w][\w \-]*$", re.UNICODE)


def clean_team_name(raw: str) -> str | None:
    """The name with spaces folded, or None if it is empty, too long or has characters other than letters,
    digits, spaces, ``-`` and ``_``."""
    name = " ".join(raw.split())
    if not name or len(name) > MAX_TEAM_NAME or not _TEAM_NAME.match(name):
        return None
    return name


def name_key(name: str) -> str:
    return name.casefold()


def find_team(session: Session, tenant_id: int, name: str) -> Team | None:
    return session.exec(select(Team).where(Team.tenant_id == tenant_id, Team.name_key == name_key(name))).first()


def team_of(session: Session, user: User) -> Team | None:
    return session.exec(
        select(Team)
        .join(TeamMember, col(TeamMember.team_id) == Team.id)
        .where(TeamMember.tenant_id == user.tenant_id, TeamMember.user_id == user.id)
    ).first()


def list_teams(session: Session, tenant_id: int) -> list[tuple[Team, list[User]]]:
    teams = session.exec(select(Team).where(Team.tenant_id == tenant_id).order_by(Team.name_key)).all()
    rows = session.exec(
        select(TeamMember.team_id, User)
        .join(User, col(User.id) == TeamMember.user_id)
        .where(TeamMember.tenant_id == tenant_id)
    ).all()
    members: dict[int, list[User]] = {}
    for team_id, user in rows:
        members.setdefault(team_id, []).append(user)
    return [(t, sorted(members.get(id_of(t), []), key=lambda u: u.display_name.casefold())) for t in teams]


def create(session: Session, user: User, name: str, now: datetime) -> Team:
    team = Team(tenant_id=user.tenant_id, name=name, name_key=name_key(name), created_by=user.id, created_at=now)  # type: ignore[arg-type]
    session.add(team)
    session.flush()
    join(session, user, team, now)
    return team


def join(session: Session, user: User, team: Team, now: datetime) -> Team | None:
    """Put ``user`` in ``team``, carrying their points with them; returns the team they left, if any."""
    user_id, team_id = id_of(user), id_of(team)
    totals.lock_member(session, user.tenant_id, user_id)
    membership = session.exec(
        select(TeamMember).where(TeamMember.tenant_id == user.tenant_id, TeamMember.user_id == user_id)
    ).first()
    old = session.get(Team, membership.team_id) if membership else None
    if membership is None:
        session.add(TeamMember(tenant_id=user.tenant_id, team_id=team_id, user_id=user_id, joined_at=now))
    else:
        membership.team_id, membership.joined_at = team_id, now
        session.add(membership)
    session.flush()
    totals.move_member(session, user.tenant_id, user_id, old.id if old else None, team_id)
    return old


def leave(session: Session, user: User) -> Team | None:
    user_id = id_of(user)
    totals.lock_member(session, user.tenant_id, user_id)
    membership = session.exec(
        select(TeamMember).where(TeamMember.tenant_id == user.tenant_id, TeamMember.user_id == user_id)
    ).first()
    if membership is None:
        return None
    team = session.get(Team, membership.team_id)
    session.delete(membership)
    session.flush()
    totals.move_member(session, user.tenant_id, user_id, membership.team_id, None)
    return team
