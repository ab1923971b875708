"""What a reaction points at, found with one plain query: it runs for every reaction in every channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlmodel import Session

from bot.events import Origin
from bot.services.directory import names_changed
from bot.storage.models import Channel, DailyPost, Tenant, User


@dataclass(frozen=True)
class PostFacts:
    """The columns of a daily post that engagement needs (a ``DailyPost`` has them too)."""

    id: int
    tenant_id: int
    channel_id: int
    seq: int
    question_day: date
    deck_id: str
    question_id: str


@dataclass(frozen=True)
class MemberFacts:
    """The columns of a member that engagement needs (a ``User`` has them too)."""

    id: int
    tenant_id: int


@dataclass(frozen=True)
class ReactionTarget:
    tenant_id: int
    tenant_name: str
    channel_id: int
    channel_name: str
    reveal_emoji: str
    language: str
    timezone: str
    member: MemberFacts | None
    member_name: str
    member_language: str | None  # the member's own choice (/studybot mylanguage), if any
    member_locale: str  # the platform's language for the member, as last reported
    post: PostFacts | None
    latest_seq: int | None

    def known_member(self, origin: Origin) -> MemberFacts | None:
        """The member, when they exist and the platform sent no new name for them, their workspace or channel
        (else the caller goes the long way, which creates and renames)."""
        renamed = names_changed(origin, self.tenant_name, self.channel_name, self.member_name)
        relocated = bool(origin.locale) and origin.locale[:16] != self.member_locale
        return None if renamed or relocated else self.member

    def new_member(self, origin: Origin) -> bool:
        """Whether only the member is missing (their first contact), the workspace and channel being as sent."""
        return self.member is None and not names_changed(origin, self.tenant_name, self.channel_name,
                                                          origin.user_name or "")


@cache
def _query() -> Any:
    tables = Tenant.__table__, Channel.__table__, User.__table__, DailyPost.__table__  # type: ignore[attr-defined]
    tenants, channels, users, posts = tables
    others = posts.alias("channel_posts")
    latest = select(func.max(others.c.seq)).where(others.c.channel_id == channels.c.id).scalar_subquery()
    return (
        select(
            tenants.c.id.label("tenant_id"),
            tenants.c.name.label("tenant_name"),
            channels.c.id.label("channel_id"),
            channels.c.name.label("channel_name"),
            channels.c.reveal_emoji,
            channels.c.language,
            channels.c.timezone,
            users.c.id.label("user_id"),
            users.c.display_name.label("user_name"),
            users.c.language.label("user_language"),
            users.c.locale.label("user_locale"),
            posts.c.id.label("post_id"),
            posts.c.seq,
            posts.c.question_day,
            posts.c.deck_id,
            posts.c.question_id,
            latest.label("latest_seq"),
        )
        .select_from(tenants)
        .join(channels, (channels.c.tenant_id == tenants.c.id) & (channels.c.external_id == bindparam("channel")))
        .outerjoin(users, (users.c.tenant_id == tenants.c.id) & (users.c.external_id == bindparam("user")))
        .outerjoin(posts, (posts.c.channel_id == channels.c.id) & (posts.c.message_id == bindparam("message")))
        .where(tenants.c.platform == bindparam("platform"), tenants.c.external_id == bindparam("tenant"))
    )


def reaction_target(session: Session, origin: Origin, message_id: str) -> ReactionTarget | None:
    """The channel, member and daily post a reaction is about; None for a channel never seen."""
    params = {
        "platform": origin.platform,
        "tenant": origin.tenant_id,
        "channel": origin.channel_id,
        "user": origin.user_id,
        "message": message_id,
    }
    row = session.connection().execute(_query(), params).mappings().first()
    if row is None:
        return None
    tenant_id, channel_id = row["tenant_id"], row["channel_id"]
    member = MemberFacts(row["user_id"], tenant_id) if row["user_id"] is not None else None
    post = None
    if row["post_id"] is not None:
        post = PostFacts(
            row["post_id"], tenant_id, channel_id, row["seq"], row["question_day"], row["deck_id"], row["question_id"]
        )
    return ReactionTarget(
        tenant_id=tenant_id,
        tenant_name=row["tenant_name"],
        channel_id=channel_id,
        channel_name=row["channel_name"],
        reveal_emoji=row["reveal_emoji"],
        language=row["language"],
        timezone=row["timezone"],
        member=member,
        member_name=row["user_name"] or "",
        member_language=row["user_language"],
        member_locale=row["user_locale"] or "",
        post=post,
        latest_seq=row["latest_seq"],
    )
