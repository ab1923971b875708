"""Tenants, channels and members: found by their platform ids, created on first contact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from bot.events import Origin
from bot.rules.schedule import Schedule, parse_days, parse_time
from bot.storage.db import insert_ignore, insert_ignore_id
from bot.storage.ids import id_of, present
from bot.storage.models import Channel, Tenant, User


@dataclass(frozen=True)
class ChannelDefaults:
    deck_id: str
    language: str
    timezone: str


@dataclass(frozen=True)
class Actor:
    """The rows an event is about, resolved inside one transaction."""

    tenant: Tenant
    channel: Channel
    user: User


def find_tenant(session: Session, platform: str, external_id: str) -> Tenant | None:
    return session.exec(select(Tenant).where(Tenant.platform == platform, Tenant.external_id == external_id)).first()


def find_channel(session: Session, tenant_id: int, external_id: str) -> Channel | None:
    return session.exec(
        select(Channel).where(Channel.tenant_id == tenant_id, Channel.external_id == external_id)
    ).first()


def find_user(session: Session, tenant_id: int, external_id: str) -> User | None:
    return session.exec(select(User).where(User.tenant_id == tenant_id, User.external_id == external_id)).first()


def ensure_tenant(session: Session, platform: str, external_id: str, name: str, now: datetime) -> Tenant:
    insert_ignore(session, Tenant, platform=platform, external_id=external_id, name=name, created_at=now)
    tenant = find_tenant(session, platform, external_id)
    tenant = present(tenant, "the tenant just ensured")
    if name and tenant.name != name:
        tenant.name = name
        session.add(tenant)
    return tenant


def ensure_channel(
    session: Session, tenant: Tenant, external_id: str, name: str, defaults: ChannelDefaults, now: datetime
) -> Channel:
    tenant_id = id_of(tenant)
    insert_ignore(
        session,
        Channel,
        tenant_id=tenant_id,
        external_id=external_id,
        name=name,
        deck_id=defaults.deck_id,
        categories="",
        language=defaults.language,
        timezone=defaults.timezone,
        post_time="09:00",
        days="mon-fri",
        reveal_emoji="👀",
        enabled=False,
        created_at=now,
        updated_at=now,
    )
    channel = find_channel(session, tenant_id, external_id)
    channel = present(channel, "the channel just ensured")
    if name and channel.name != name:
        channel.name = name
        session.add(channel)
    return channel


def ensure_user(
    session: Session, tenant: Tenant, external_id: str, name: str, now: datetime, locale: str = ""
) -> User:
    values: dict[str, Any] = {"tenant_id": id_of(tenant), "external_id": external_id,
                              "display_name": name or external_id, "locale": locale[:16], "created_at": now}
    new_id = insert_ignore_id(session, User, **values)
    if new_id is not None:  # the row just written: no need to read it back
        created = User(id=new_id, **values)
        make_transient_to_detached(created)
        session.add(created)
        return created
    user = present(find_user(session, id_of(tenant), external_id), "the member just ensured")
    if name and user.display_name != name:
        user.display_name = name
        session.add(user)
    if locale and user.locale != locale[:16]:
        user.locale = locale[:16]
        session.add(user)
    return user


def add_member(
    session: Session, tenant_id: int, external_id: str, name: str, now: datetime, locale: str = ""
) -> int:
    """The id of the member, created now unless another event just did (then found)."""
    new_id = insert_ignore_id(session, User, tenant_id=tenant_id, external_id=external_id,
                              display_name=name or external_id, locale=locale[:16], created_at=now)
    if new_id is not None:
        return new_id
    user = find_user(session, tenant_id, external_id)
    assert user is not None and user.id is not None
    return user.id


def names_changed(origin: Origin, tenant_name: str, channel_name: str, user_name: str) -> bool:
    """Whether the platform sent a name (they are optional) that differs from the one stored."""
    return bool(
        (origin.tenant_name and origin.tenant_name != tenant_name)
        or (origin.channel_name and origin.channel_name != channel_name)
        or (origin.user_name and origin.user_name != user_name)
    )


@dataclass(frozen=True)
class Found:
    """What one lookup found of an event's tenant, channel and member (None for what is not there yet)."""

    tenant: Tenant | None
    channel: Channel | None
    user: User | None

    def actor(self, origin: Origin) -> Actor | None:
        """The actor, when every row exists and no name the platform sent has changed."""
        if self.tenant is None or self.channel is None or self.user is None:
            return None
        renamed = names_changed(origin, self.tenant.name, self.channel.name, self.user.display_name)
        relocated = bool(origin.locale) and origin.locale[:16] != self.user.locale
        return None if renamed or relocated else Actor(self.tenant, self.channel, self.user)


@cache
def _actor_query() -> Any:
    # One statement, built once: the event's tenant, its channel and its member, whichever exist.
    return (
        select(Tenant, Channel, User)
        .outerjoin(Channel, (col(Channel.tenant_id) == Tenant.id) & (col(Channel.external_id) == bindparam("channel")))
        .outerjoin(User, (col(User.tenant_id) == Tenant.id) & (col(User.external_id) == bindparam("user")))
        .where(Tenant.platform == bindparam("platform"), Tenant.external_id == bindparam("tenant"))
    )


def find_actor(session: Session, origin: Origin) -> Found:
    """The event's rows as they are, without writing."""
    params = {
        "platform": origin.platform,
        "tenant": origin.tenant_id,
        "channel": origin.channel_id,
        "user": origin.user_id,
    }
    row = session.exec(_actor_query(), params=params).first()
    return Found(*row) if row is not None else Found(None, None, None)


def ensure_actor(session: Session, origin: Origin, defaults: ChannelDefaults, now: datetime) -> Actor:
    """The event's rows, created on first contact and renamed when the platform's names changed. One SELECT
    when they all exist already."""
    found = find_actor(session, origin)
    actor = found.actor(origin)
    if actor is not None:
        return actor
    tenant, channel = found.tenant, found.channel  # reused when they exist under the names sent: a new member
    if tenant is None or (origin.tenant_name and origin.tenant_name != tenant.name):
        tenant = ensure_tenant(session, origin.platform, origin.tenant_id, origin.tenant_name, now)
        channel = None
    if channel is None or (origin.channel_name and origin.channel_name != channel.name):
        channel = ensure_channel(session, tenant, origin.channel_id, origin.channel_name, defaults, now)
    user = ensure_user(session, tenant, origin.user_id, origin.user_name, now, origin.locale)
    return Actor(tenant, channel, user)


def channel_schedule(channel: Channel) -> Schedule:
    return Schedule(parse_time(channel.post_time), channel.timezone, parse_days(channel.days))


def enabled_channels(
    session: Session, platform: str | None = None, channel_id: int | None = None
) -> list[tuple[Tenant, Channel]]:
    """The enabled channels with their workspace: all, one platform's, or the one channel if it is enabled."""
    stmt = select(Tenant, Channel).join(Channel, col(Channel.tenant_id) == Tenant.id).where(Channel.enabled == True)  # noqa: E712
    if platform:
        stmt = stmt.where(Tenant.platform == platform)
    if channel_id is not None:
        stmt = stmt.where(Channel.id == channel_id)
    return [(t, c) for t, c in session.exec(stmt).all()]
