"""Daily posts: choose the question, claim (channel, question day) once, then record what was sent.

The claim and the marks run on every channel of a fan-out, so they use a few lightweight Core statements on the
``daily_posts`` table; the unique keys on (channel, question day) and (channel, seq) still decide every race."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Select, Table, bindparam, func, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from bot.content.loader import Catalog
from bot.rules.selection import choose_adaptive, choose_question
from bot.services import group_memory
from bot.storage.ids import id_of, present
from bot.storage.models import Channel, DailyPost


def _posts() -> Table:
    return DailyPost.__table__  # type: ignore[attr-defined]


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


def _as_post(row: Mapping[Any, Any]) -> DailyPost:
    """A ``DailyPost``, attached to no session, holding a row read or written with Core."""
    return DailyPost(**row)


@dataclass(frozen=True)
class _History:
    """What a claim needs to know of a channel's posts, read in one statement."""

    existing: Mapping[Any, Any] | None  # the row for the question day, if claimed already
    max_seq: int  # 0 when the channel has no posts
    cycle: int  # the deck's current cycle: the highest cycle posted from it, 0 when none
    used: frozenset[str]  # questions of the deck posted in that cycle


def _history_statement() -> Select[Any]:
    """The day's row, the channel's latest row and the rows of the deck's current cycle."""
    posts = _posts()
    c = posts.c
    channel_id: BindParameter[Any] = bindparam("channel_id")
    deck_id: BindParameter[Any] = bindparam("deck_id")
    max_seq = core_select(func.max(c.seq)).where(c.channel_id == channel_id).scalar_subquery()
    max_cycle = core_select(func.max(c.cycle)).where(c.channel_id == channel_id, c.deck_id == deck_id).scalar_subquery()
    return core_select(posts).where(
        c.channel_id == channel_id,
        or_(
            c.question_day == bindparam("question_day"),
            c.seq == max_seq,
            (c.deck_id == deck_id) & (c.cycle == max_cycle),
        ),
    )


@cache
def _statements() -> dict[str, Any]:
    """The hot statements, built once on first use: reused, SQLAlchemy neither rebuilds them nor recomputes their
    cache keys."""
    posts = _posts()
    return {
        "history": _history_statement(),
        "day_row": core_select(posts).where(
            posts.c.channel_id == bindparam("channel_id"), posts.c.question_day == bindparam("question_day")
        ),
        "mark_sent": update(posts)
        .where(posts.c.id == bindparam("post_id"))
        .values(
            status="sent",
            message_id=bindparam("sent_message_id"),
            sent_at=bindparam("sent_now"),
            attempts=posts.c.attempts + 1,
            last_error=None,
        )
        .returning(*posts.c),
        "mark_failed": update(posts)
        .where(posts.c.id == bindparam("post_id"))
        .values(status="failed", attempts=posts.c.attempts + 1, last_error=bindparam("error"))
        .returning(posts.c.id),
        "mark_unknown": update(posts)
        .where(posts.c.id == bindparam("post_id"), posts.c.status == "claimed")
        .values(claimed_at=bindparam("lease_from"), last_error=bindparam("error")),
        "postgresql": pg_insert(posts).on_conflict_do_nothing().returning(*posts.c),
        "sqlite": sqlite_insert(posts).on_conflict_do_nothing().returning(*posts.c),
    }


def _history(session: Session, channel_id: int, question_day: date, deck_id: str) -> _History:
    params = {"channel_id": channel_id, "question_day": question_day, "deck_id": deck_id}
    rows = session.connection().execute(_statements()["history"], params).mappings().all()
    return _summarise(rows, question_day, deck_id)


def _summarise(rows: Iterable[Mapping[Any, Any]], question_day: date, deck_id: str) -> _History:
    existing: Mapping[Any, Any] | None = None
    max_seq, cycle = 0, 0
    in_deck: list[Mapping[Any, Any]] = []
    for row in rows:
        if row["question_day"] == question_day:
            existing = row
        max_seq = max(max_seq, row["seq"])
        if row["deck_id"] == deck_id:
            in_deck.append(row)
            cycle = max(cycle, row["cycle"])
    used = frozenset(row["question_id"] for row in in_deck if row["cycle"] == cycle)
    return _History(existing, max_seq, cycle, used)


def next_question(
    channel: Channel, catalog: Catalog, seed: str, used: Collection[str], cycle: int
) -> tuple[str, int] | None:
    """The question the channel gets next and its cycle: no repeat until the (filtered) deck is exhausted."""
    deck = catalog.get(channel.deck_id)
    if deck is None:
        return None
    categories = [c for c in channel.categories.split(",") if c]
    candidates = deck.question_ids(channel.language, categories)
    if not candidates:
        return None
    channel_seed = f"{seed}:{channel.tenant_id}:{channel.external_id}"
    return choose_question(candidates, used, channel_seed, cycle)


def adaptive_question(
    session: Session, channel: Channel, catalog: Catalog, seed: str, question_day: date, now: datetime
) -> str | None:
    """The question adaptive order gives the channel next (see ``rules.selection.choose_adaptive``)."""
    deck = catalog.get(channel.deck_id)
    if deck is None or channel.id is None:
        return None
    candidates = deck.question_ids(channel.language, [c for c in channel.categories.split(",") if c])
    posted = group_memory.posted_questions(session, channel.id, channel.deck_id)
    seen = set(posted) & set(candidates)
    recall = group_memory.group_recall(session, channel.id, channel.deck_id, seen, question_day, now)
    return choose_adaptive(candidates, posted, recall, f"{seed}:{channel.tenant_id}:{channel.external_id}")


def _insert_claim(session: Session, values: dict[str, Any]) -> DailyPost | None:
    """Insert the claim unless a unique key holds (channel, day) or (channel, seq) already; the row if inserted."""
    connection = session.connection()
    stmt = _statements()["postgresql" if connection.dialect.name == "postgresql" else "sqlite"]
    row = connection.execute(stmt, values).mappings().first()
    return _as_post(row) if row is not None else None


def claim(session: Session, channel: Channel, question_day: date, catalog: Catalog, seed: str, now: datetime) -> Claim:
    """Claim (channel, question_day). A second claim, from a retry, a double fire or another replica, finds the
    first and gets ``new=False``: the unique key on (channel, question_day) decides."""
    channel_id = id_of(channel)
    history = _history(session, channel_id, question_day, channel.deck_id)
    if history.existing is not None:
        return Claim(_as_post(history.existing), new=False)
    if channel.question_order == "adaptive":
        adaptive = adaptive_question(session, channel, catalog, seed, question_day, now)
        choice = (adaptive, history.cycle) if adaptive is not None else None
    else:
        choice = next_question(channel, catalog, seed, history.used, history.cycle)
    if choice is None:
        return Claim(None, new=False, reason="no_questions")
    question_id, cycle = choice
    inserted = _insert_claim(
        session,
        {
            "tenant_id": channel.tenant_id,
            "channel_id": channel_id,
            "question_day": question_day,
            "seq": history.max_seq + 1,
            "cycle": cycle,
            "deck_id": channel.deck_id,
            "question_id": question_id,
            "status": "claimed",
            "attempts": 0,
            "claimed_at": now,
        },
    )
    if inserted is not None:
        return Claim(inserted, new=True)
    # Lost a race: the winner's row for the day, or None if the race was for the seq (another day's claim).
    params = {"channel_id": channel_id, "question_day": question_day}
    row = session.connection().execute(_statements()["day_row"], params).mappings().first()
    return Claim(_as_post(row) if row is not None else None, new=False)


def mark_sent(session: Session, post_id: int, message_id: str, now: datetime) -> DailyPost:
    """Record the send, counting the attempt in SQL; the post as it now stands."""
    params = {"post_id": post_id, "sent_message_id": message_id, "sent_now": now}
    row = session.connection().execute(_statements()["mark_sent"], params).mappings().first()
    return _as_post(present(row, f"daily post {post_id}"))


def mark_failed(session: Session, post_id: int, error: str) -> None:
    found = (
        session.connection().execute(_statements()["mark_failed"], {"post_id": post_id, "error": error[:300]}).first()
    )
    present(found, f"daily post {post_id}")


def mark_unknown(session: Session, post_id: int, error: str, now: datetime) -> None:
    """The claim stays ours but unresolved: leased again from ``now``, so it is asked about again once the lease
    runs out. No attempt is counted: asking cannot double a post, only posting can."""
    session.connection().execute(
        _statements()["mark_unknown"], {"post_id": post_id, "error": error[:300], "lease_from": now}
    )
