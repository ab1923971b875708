"""Daily posts: choose the question, claim (channel, question day) once, then record what was sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from bot.content.loader import Catalog
from bot.rules.selection import choose_question
from bot.storage.db import insert_ignore
from bot.storage.models import Channel, DailyPost


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a question day: ``post`` is ours to send when ``new`` is True."""

    post: DailyPost | None
    new: bool
    reason: str = ""  # when post is None: "no_questions"


def post_for_day(session: Session, channel_id: int, question_day: date) -> DailyPost | None:
    return session.exec(
        select(DailyPost).where(DailyPost.channel_id == channel_id, DailyPost.question_day == question_day)
    ).first()


def latest_post(session: Session, channel_id: int) -> DailyPost | None:
    return session.exec(
        select(DailyPost).where(DailyPost.channel_id == channel_id).order_by(DailyPost.seq.desc()).limit(1)  # type: ignore[attr-defined]
    ).first()


def latest_seq(session: Session, channel_id: int) -> int | None:
    return session.exec(select(func.max(DailyPost.seq)).where(DailyPost.channel_id == channel_id)).one()


def post_by_message(session: Session, channel_id: int, message_id: str) -> DailyPost | None:
    return session.exec(
        select(DailyPost).where(DailyPost.channel_id == channel_id, DailyPost.message_id == message_id)
    ).first()


def next_question(session: Session, channel: Channel, catalog: Catalog, seed: str) -> tuple[str, int] | None:
    """The question the channel gets next and its cycle: no repeat until the (filtered) deck is exhausted."""
    deck = catalog.get(channel.deck_id)
    if deck is None:
        return None
    categories = [c for c in channel.categories.split(",") if c]
    candidates = deck.question_ids(channel.language, categories)
    if not candidates:
        return None
    cycle = (
        session.exec(
            select(func.max(DailyPost.cycle)).where(DailyPost.channel_id == channel.id, DailyPost.deck_id == deck.id)
        ).one()
        or 0
    )
    used = set(
        session.exec(
            select(DailyPost.question_id).where(
                DailyPost.channel_id == channel.id, DailyPost.deck_id == deck.id, DailyPost.cycle == cycle
            )
        ).all()
    )
    channel_seed = f"{seed}:{channel.tenant_id}:{channel.external_id}"
    return choose_question(candidates, used, channel_seed, cycle)


def claim(session: Session, channel: Channel, question_day: date, catalog: Catalog, seed: str, now: datetime) -> Claim:
    """Claim (channel, question_day). A second claim, from a retry, a double fire or another replica, finds the
    first and gets ``new=False``: the unique key on (channel, question_day) decides."""
    assert channel.id is not None
    existing = post_for_day(session, channel.id, question_day)
    if existing is not None:
        return Claim(existing, new=False)
    choice = next_question(session, channel, catalog, seed)
    if choice is None:
        return Claim(None, new=False, reason="no_questions")
    question_id, cycle = choice
    seq = (latest_seq(session, channel.id) or 0) + 1
    inserted = insert_ignore(
        session,
        DailyPost,
        tenant_id=channel.tenant_id,
        channel_id=channel.id,
        question_day=question_day,
        seq=seq,
        cycle=cycle,
        deck_id=channel.deck_id,
        question_id=question_id,
        status="claimed",
        attempts=0,
        claimed_at=now,
    )
    post = post_for_day(session, channel.id, question_day)
    return Claim(post, new=inserted and post is not None and post.seq == seq)


def mark_sent(session: Session, post_id: int, message_id: str, now: datetime) -> None:
    post = session.get(DailyPost, post_id)
    assert post is not None
    post.status, post.message_id, post.sent_at = "sent", message_id, now
    post.attempts += 1
    post.last_error = None
    session.add(post)


def mark_failed(session: Session, post_id: int, error: str) -> None:
    post = session.get(DailyPost, post_id)
    assert post is not None
    post.status = "failed"
    post.attempts += 1
    post.last_error = error[:300]
    session.add(post)
