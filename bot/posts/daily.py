"""One daily post: claim it in the database, send it, record the platform's message id.

Every post is claimed in the database before it is sent (unique per channel and day), then marked sent with the
platform's message id. A second replica, a DST double-fire or a retry finds the claim and does nothing. A claim
left unsent (a crash between claim and send) or a failed send is taken over again, atomically, once its lease
has run out, within the same question day; never the day after. Used by ``/studybot post``, the console's
``:next-day``, the scheduler and ``studybot tick`` alike.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Literal

from sqlalchemy import bindparam, or_, update
from sqlalchemy import select as core_select
from sqlmodel import Session

from bot.cards import question_card
from bot.messages import Message
from bot.ports import ChannelRef, ChatPort, FindsPosts, PlatformError
from bot.services import posting
from bot.services.container import Services
from bot.services.directory import channel_schedule
from bot.storage.ids import id_of
from bot.storage.models import Channel, DailyPost, Tenant

log = logging.getLogger(__name__)


@cache
def _statements() -> tuple[Any, Any]:
    """(a channel with its tenant's platform and id, the reset of a channel's failures): built once, on first
    use, because they run for every post of a fan-out."""
    channels, tenants = Channel.__table__, Tenant.__table__  # type: ignore[attr-defined]
    with_tenant = (
        core_select(
            channels, tenants.c.platform.label("tenant_platform"), tenants.c.external_id.label("tenant_external_id")
        )
        .join(tenants, tenants.c.id == channels.c.tenant_id)
        .where(channels.c.id == bindparam("channel_id"))
    )
    reset_failures = (
        update(channels).where(channels.c.id == bindparam("channel_id"), channels.c.failures > 0).values(failures=0)
    )
    return with_tenant, reset_failures


#: A claim not marked sent after this long is presumed dead (its process crashed) and may be taken over.
CLAIM_LEASE = timedelta(minutes=5)
#: Sends tried per question day before giving up on it.
MAX_ATTEMPTS = 6
#: Consecutive permanent failures (no access, archived, removed) before a channel is switched off.
FAILURES_BEFORE_OFF = 3


PostStatus = Literal[
    "posted", "already", "failed", "unknown", "no_questions", "unknown_channel", "not_due", "no_platform"
]


@dataclass(frozen=True)
class PostResult:
    status: PostStatus
    post: DailyPost | None = None
    error: str | None = None
    channel_id: int | None = None


def _take_over(session: Session, post: DailyPost, now: datetime) -> bool:
    """Take a failed or abandoned claim: one atomic update, so exactly one caller wins it."""
    stale = now - CLAIM_LEASE
    posts = DailyPost.__table__  # type: ignore[attr-defined]
    c = posts.c
    result = session.connection().execute(
        update(posts)
        .where(
            c.id == post.id,
            c.attempts < MAX_ATTEMPTS,
            or_(c.status == "failed", (c.status == "claimed") & (c.claimed_at < stale)),
        )
        .values(status="claimed", claimed_at=now)
    )
    return bool(result.rowcount)


@dataclass(frozen=True)
class _Ready:
    """A claimed post, ready to send."""

    post: DailyPost
    channel: Channel
    ref: ChannelRef
    card: Message
    retaken: bool
    previous_claim: datetime


def _load_channel(session: Session, channel_id: int) -> tuple[Channel, ChannelRef] | None:
    """The channel and where to post to it, in one Core statement (it runs for every post of a fan-out)."""
    row = session.connection().execute(_statements()[0], {"channel_id": channel_id}).mappings().first()
    if row is None:
        return None
    channel = Channel(**{column.name: row[column.name] for column in Channel.__table__.columns})  # type: ignore[attr-defined]
    return channel, ChannelRef(row["tenant_platform"], row["tenant_external_id"], channel.external_id)


def _prepare(services: Services, channel_id: int, question_day: date, now: datetime) -> _Ready | PostResult:
    with services.db.transaction() as session:
        loaded = _load_channel(session, channel_id)
        if loaded is None:
            return PostResult("unknown_channel", channel_id=channel_id)
        channel, ref = loaded
        claim = posting.claim(session, channel, question_day, services.catalog, services.seed, now)
        post = claim.post
        if post is None:
            return PostResult("no_questions", channel_id=channel_id)
        previous_claim = post.claimed_at
        if not claim.new and (post.status == "sent" or not _take_over(session, post, now)):
            return PostResult("already", post, channel_id=channel_id)
        if not claim.new:
            services.metrics.retries.labels(ref.platform).inc()
        found = services.catalog.text(post.deck_id, post.question_id, channel.language)
        deck = services.catalog.get(post.deck_id)
        if found is None or deck is None:
            posting.mark_failed(session, post.id, "question no longer in the deck")  # type: ignore[arg-type]
            return PostResult("no_questions", post, channel_id=channel_id)
        question, side = found
        card = question_card(
            deck,
            question,
            side,
            channel.language,
            id_of(post),
            post.seq,
            question_day,
            channel.reveal_emoji,
        )
        return _Ready(post, channel, ref, card, not claim.new, previous_claim)


def _record_failure(services: Services, post_id: int, channel_id: int, exc: PlatformError) -> None:
    with services.db.transaction() as session:
        posting.mark_failed(session, post_id, str(exc))
        if exc.permanent:
            _count_permanent_failure(session, channel_id)


def _record_unknown(services: Services, post_id: int, error: str) -> None:
    with services.db.transaction() as session:
        posting.mark_unknown(session, post_id, f"outcome unknown: {error}", services.clock.now())


def _record_sent(services: Services, post_id: int, channel_id: int, message_id: str) -> DailyPost | None:
    with services.db.transaction() as session:
        post = posting.mark_sent(session, post_id, message_id, services.clock.now())
        session.connection().execute(_statements()[1], {"channel_id": channel_id})
        return post


async def post_daily(
    services: Services, port: ChatPort, channel_id: int, question_day: date, *, scheduled: bool = False
) -> PostResult:
    """Post ``question_day``'s question to the channel, at most once whatever calls this and how often.
    ``scheduled`` posts (not ``/studybot post``) report how late they went out.

    The database work runs in a worker thread, so that many posts in flight overlap their database and network
    time instead of queueing behind each other on the event loop."""
    now = services.clock.now()
    ready = await asyncio.to_thread(_prepare, services, channel_id, question_day, now)
    if isinstance(ready, PostResult):
        return ready
    post, ref = ready.post, ready.ref
    key = post_key(post.id)  # type: ignore[arg-type]
    try:
        found = await lookup(port, ref, key, lookup_since(ready.channel, question_day)) if ready.retaken else None
        if found is not None and found.permanent is not None:
            raise found.permanent  # the channel is gone or out of reach: a failure like a refused send, not posted
        if found is not None and found.outcome == UNKNOWN:
            # The platform could not say whether the earlier attempt went out: posting now could double it.
            # The claim is leased again and a later tick or sweep asks again (within the question day).
            log.warning(
                "daily post outcome unknown: not posted, asked again later",
                extra={"platform": ref.platform, "tenant": ref.tenant_id, "channel": ref.channel_id,
                       "error": found.error},
            )
            await asyncio.to_thread(_record_unknown, services, post.id, found.error or "lookup failed")  # type: ignore[arg-type]
            services.metrics.posts.labels(ref.platform, "unknown").inc()
            return PostResult("unknown", post, found.error, channel_id=channel_id)
        if found is not None and found.outcome == FOUND:
            assert found.message_id is not None
            message_id = found.message_id
            log.info("daily post found on the platform: recorded, not posted again", extra={"channel": ref.channel_id})
        else:
            message_id = await port.post(ref, ready.card, key=key)
    except PlatformError as exc:
        services.metrics.posts.labels(ref.platform, "failed").inc()
        log.warning(
            "daily post failed",
            extra={"platform": ref.platform, "tenant": ref.tenant_id, "channel": ref.channel_id, "error": str(exc)},
        )
        await asyncio.to_thread(_record_failure, services, post.id, channel_id, exc)  # type: ignore[arg-type]
        return PostResult("failed", post, str(exc), channel_id=channel_id)
    sent = await asyncio.to_thread(_record_sent, services, post.id, channel_id, message_id)  # type: ignore[arg-type]
    lag = (now - channel_schedule(ready.channel).slot_on(question_day)).total_seconds()
    services.metrics.posts.labels(ref.platform, "sent").inc()
    if scheduled:
        services.metrics.scheduler_lag.labels(ref.platform).observe(max(0.0, lag))
    log.info(
        "daily question posted",
        extra={
            "platform": ref.platform,
            "tenant": ref.tenant_id,
            "channel": ref.channel_id,
            "lag_seconds": round(lag, 3),
        },
    )
    return PostResult("posted", sent, channel_id=channel_id)


def post_key(post_id: int) -> str:
    """The key a daily post carries on the platform (Slack message metadata, Discord nonce), to find it again."""
    return f"studybot-post-{post_id}"


#: How far before the question day's local midnight a lookup starts: a post may carry the platform's time of
#: an earlier day (the bot's clock ahead of the platform's, or ``tick --at`` up to a day ahead).
LOOKUP_MARGIN = timedelta(days=1)

FOUND, NOT_FOUND, UNKNOWN = "found", "not found", "unknown"


@dataclass(frozen=True)
class Lookup:
    """What the platform said about a keyed post: ``found`` (with its id), ``not found``, or ``unknown``."""

    outcome: str
    message_id: str | None = None
    error: str | None = None
    permanent: PlatformError | None = None  # unknown because the channel is out of reach (removed, archived)


def lookup_since(channel: Channel, question_day: date) -> datetime:
    """Where a lookup for the question day's post starts: the local start of the day before it. Derived from the
    question day alone, never from the bot's clock, so clock skew between bot and platform cannot hide a post."""
    start = datetime.combine(question_day, datetime.min.time(), tzinfo=channel_schedule(channel).zone)
    return start - LOOKUP_MARGIN


async def lookup(port: ChatPort, ref: ChannelRef, key: str, since: datetime) -> Lookup:
    """Ask the platform whether the post keyed ``key`` already went out (sent, then the process died before
    recording it, or the send's answer was lost).

    The port's ``find_post`` returns the message id (found), None (not found), or raises (the platform could not
    tell: unknown). A port without ``find_post`` cannot have lost a post this way: not found."""
    if not isinstance(port, FindsPosts):
        return Lookup(NOT_FOUND)
    try:
        message_id = await port.find_post(ref, key, since)
    except PlatformError as exc:
        return Lookup(UNKNOWN, error=str(exc), permanent=exc if exc.permanent else None)
    except (TimeoutError, OSError) as exc:
        return Lookup(UNKNOWN, error=str(exc) or type(exc).__name__)
    except Exception as exc:  # any other failure of the lookup is no answer either, and never a reason to post
        log.exception("post lookup failed", extra={"channel": ref.channel_id})
        return Lookup(UNKNOWN, error=f"{type(exc).__name__}: {exc}")
    return Lookup(FOUND, str(message_id)) if message_id is not None else Lookup(NOT_FOUND)


def _count_permanent_failure(session: Session, channel_id: int) -> None:
    channel = session.get(Channel, channel_id)
    if channel is None:
        return
    channel.failures += 1
    if channel.failures >= FAILURES_BEFORE_OFF and channel.enabled:
        channel.enabled = False
        channel.notice = "notice.lost_access"
        log.warning("channel switched off after repeated failures", extra={"channel": channel.external_id})
    session.add(channel)
