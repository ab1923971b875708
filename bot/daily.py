"""Posting the daily question: claim in the database first, then send, then record the message id.

Used by ``/studybot post``, the console's ``:next-day`` and the scheduler alike.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import update

from bot.cards import question_card
from bot.commands.context import Services
from bot.ports import ChannelRef, ChatPort, PlatformError
from bot.services import posting
from bot.storage.models import Channel, DailyPost, Tenant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostResult:
    status: str  # posted | already | failed | no_questions | unknown_channel
    post: DailyPost | None = None
    error: str | None = None


async def post_daily(services: Services, port: ChatPort, channel_id: int, question_day: date) -> PostResult:
    """Post ``question_day``'s question to the channel, at most once whatever calls this and how often."""
    now = services.clock.now()
    with services.db.transaction() as session:
        channel = session.get(Channel, channel_id)
        tenant = session.get(Tenant, channel.tenant_id) if channel else None
        if channel is None or tenant is None:
            return PostResult("unknown_channel")
        claim = posting.claim(session, channel, question_day, services.catalog, services.seed, now)
        post = claim.post
        if post is None:
            return PostResult("no_questions")
        if not claim.new:
            # A failed send may be retried; taking it over is one atomic update, so only one caller wins.
            taken = (
                post.status == "failed"
                and session.execute(
                    update(DailyPost)
                    .where(DailyPost.id == post.id, DailyPost.status == "failed")  # type: ignore[arg-type]
                    .values(status="claimed")
                ).rowcount
            )
            if not taken:
                return PostResult("already", post)
        found = services.catalog.text(post.deck_id, post.question_id, channel.language)
        deck = services.catalog.get(post.deck_id)
        if found is None or deck is None:
            posting.mark_failed(session, post.id, "question no longer in the deck")  # type: ignore[arg-type]
            return PostResult("no_questions", post)
        question, side = found
        card = question_card(
            deck,
            question,
            side,
            channel.language,
            post.id,
            post.seq,
            question_day,  # type: ignore[arg-type]
            channel.reveal_emoji,
        )
        ref = ChannelRef(tenant.platform, tenant.external_id, channel.external_id)
    try:
        message_id = await port.post(ref, card)
    except PlatformError as exc:
        log.warning("daily post failed", extra={"channel": ref.channel_id, "error": str(exc)})
        with services.db.transaction() as session:
            posting.mark_failed(session, post.id, str(exc))  # type: ignore[arg-type]
        return PostResult("failed", post, str(exc))
    with services.db.transaction() as session:
        posting.mark_sent(session, post.id, message_id, services.clock.now())  # type: ignore[arg-type]
        post = session.get(DailyPost, post.id)
    log.info("daily question posted", extra={"channel": ref.channel_id, "question": post.question_id if post else ""})
    return PostResult("posted", post)
