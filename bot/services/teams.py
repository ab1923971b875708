"""Teams within a tenant; a member is in at most one."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, col, func, select

from bot.confusables import same_looking, skeleton
from bot.services import totals
from bot.storage.db import LockSpace, take_turns
from bot.storage.ids import id_of
from bot.storage.models import Team, TeamMember, User

MAX_TEAM_NAME = 30
#: Teams a workspace can have: bounds the team list, the leaderboard and the look-alike check.
MAX_TEAMS = 200
#: Names suggested for an unknown ``/team join`` name.
SUGGESTIONS = 3
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
    """The team called ``name`` (case aside), else the one team whose name looks the same (``Оwls`` for ``Owls``)."""
    team = session.exec(select(Team).where(Team.tenant_id == tenant_id, Team.name_key == name_key(name))).first()
    return team if team is not None else look_alike(session, tenant_id, name)


def lock_names(session: Session, tenant_id: int) -> None:
    """Make the tenant's team creations take turns, so that two members creating ``Owls`` and ``Оwls`` at the
    same moment cannot both pass the look-alike check (nor both pass ``MAX_TEAMS``)."""
    take_turns(session, LockSpace.TEAM_NAMES, tenant_id)


def look_alike(session: Session, tenant_id: int, name: str) -> Team | None:
    """A team whose name looks like ``name`` (same confusable skeleton, UTS #39): a workspace has at most
    ``MAX_TEAMS``, so they are compared in Python."""
    return next((team for team in _teams(session, tenant_id) if same_looking(team.name, name)), None)


def team_count(session: Session, tenant_id: int) -> int:
    return session.exec(select(func.count()).select_from(Team).where(Team.tenant_id == tenant_id)).one()


def closest(session: Session, tenant_id: int, name: str, limit: int = SUGGESTIONS) -> list[str]:
    """The few team names closest to ``name`` (fuzzy, on their skeletons), best first."""
    from rapidfuzz import fuzz, process

    names = [team.name for team in _teams(session, tenant_id)]
    found = process.extract(name, names, scorer=fuzz.WRatio, processor=skeleton, limit=limit, score_cutoff=60)
    return [match[0] for match in found]


def _teams(session: Session, tenant_id: int) -> list[Team]:
    return list(session.exec(select(Team).where(Team.tenant_id == tenant_id).order_by(col(Team.id))).all())


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
