"""Spaced repetition and personal progress: ``/review``, ``/stats``, ``/studybot remind``, ``restore-streak``,
``insights``."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.cards import LETTERS
from bot.commands import answers, parsing
from bot.commands.args import Args
from bot.commands.channel_admin import local_time_label
from bot.commands.context import Context
from bot.commands.errors import UserError
from bot.commands.members import resolve_member
from bot.commands.quiz import start_quiz
from bot.i18n import t, words
from bot.i18n.words import day_label
from bot.markdown import literal
from bot.messages import Attachment, Field, Kind, Message, Outcome
from bot.rules.periods import ALL_TIME, local_day
from bot.services import item_stats, progress, quizzes, reviews, standings, totals, vacations
from bot.services.insights import question_insights
from bot.storage.ids import id_of
from bot.storage.models import (
    QuizAttempt,
    Reveal,
    SelfGrade,
)

INSIGHT_LINES = 15
ITEM_LINES = 6


def shorten_words(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…" when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.?!")
    return f"{cut}…"


async def review(ctx: Context, args: Args) -> Outcome:
    args.done()
    with ctx.transaction() as (session, actor):
        channel, lang = actor.channel, ctx.member_language(actor)
        deck = ctx.services.catalog.get(channel.deck_id)
        if deck is None:
            raise UserError("error.no_quiz_items")
        due = [d.question_id for d in reviews.due_questions(session, actor.user, deck.id, ctx.now)]
        due = [q for q in due if q in deck.questions]
        if not due:
            upcoming = reviews.next_due(session, actor.user, deck.id)
            follow = (
                t(lang, "review.next", when=local_time_label(lang, upcoming, channel.timezone))
                if upcoming
                else t(lang, "review.nothing_yet")
            )
            return Outcome().add(Message(Kind.INFO, body=t(lang, "review.none", next=follow)), private=True)
        # one quiz item per due question, so the round has as many items as it announces
        items = []
        for question_id in due:
            refs = quizzes.pick_items(deck, lang, [], [question_id], quizzes.MAX_QUIZ_ITEMS, ctx.services.rng)
            if refs:
                items.append(ctx.services.rng.choice(refs))
        items = items[: quizzes.MAX_QUIZ_ITEMS]
        card = start_quiz(ctx, session, actor, deck, items)
        starting = (
            t(lang, "review.starting", count=len(items))
            if len(items) == len(due)
            else t(lang, "review.starting_capped", due=t(lang, "review.questions", count=len(due)), count=len(items),
                   max=quizzes.MAX_QUIZ_ITEMS)
        )
    return (
        Outcome()
        .add(Message(Kind.INFO, body=f"🗂️ {starting}"), private=True)
        .add(card, private=True)
    )


def daily_activity(session: Session, tenant_id: int, user_id: int, since: date, timezone: str) -> dict[date, int]:
    """A member's actions per local day since ``since``: reveals, self-grades and quiz answers. The heatmap's
    levels grow with them (a reveal alone is level 1; reveal, grade and a quiz answer, level 3)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(since, time(0), tzinfo=zone).astimezone(UTC)
    counts: Counter[date] = Counter()
    for model in (Reveal, SelfGrade, QuizAttempt):
        rows = session.exec(
            select(model.created_at).where(
                model.tenant_id == tenant_id, model.user_id == user_id, model.created_at >= start
            )
        ).all()
        for created in rows:
            instant = created if created.tzinfo else created.replace(tzinfo=UTC)
            counts[instant.astimezone(zone).date()] += 1
    return dict(counts)


async def stats(ctx: Context, args: Args) -> Outcome:
    from bot.rules.heatmap import render_heatmap, window_start

    who = args.rest()
    with ctx.transaction() as (session, actor):
        channel, lang, tenant_id = actor.channel, ctx.member_language(actor), id_of(actor.tenant)
        user = resolve_member(session, tenant_id, who) if who else actor.user
        current, longest = standings.streak_of(session, id_of(channel), user)
        week = standings.period_key_at("week", ctx.now, channel.timezone)
        attempts = progress.quiz_attempts(session, tenant_id, id_of(user))
        deck = ctx.services.catalog.get(channel.deck_id)
        by_category: dict[str, list[bool]] = defaultdict(list)
        for question_id, correct in attempts:
            question = deck.questions.get(question_id) if deck else None
            category = deck.category_label(question.category, lang) if deck and question else question_id
            by_category[category].append(bool(correct))
        accuracy = "\n".join(
            t(
                lang,
                "stats.accuracy_line",
                category=c,
                percent=round(100 * sum(v) / len(v)),
                correct=sum(v),
                total=len(v),
            )
            for c, v in sorted(by_category.items())
        ) or t(lang, "stats.no_quiz")
        due = reviews.due_count(session, id_of(user), ctx.now)
        today = local_day(ctx.now, channel.timezone)
        first_day = window_start(today)
        activity = daily_activity(session, tenant_id, user.id or 0, first_day, channel.timezone)
        points = totals.member_points(session, tenant_id, user.id or 0, (week, ALL_TIME))
        week_points, all_points = points[week], points[ALL_TIME]
        away = vacations.current(session, tenant_id, user.id or 0, today)
        away_until = words.date_label(lang, vacations.last_day(away)) if away is not None else ""
    png = render_heatmap(today, activity, name=user.display_name or user.external_id, language=lang)
    message = Message(
        Kind.STATUS,
        title=t(lang, "stats.title", name=literal(user.display_name)),
        fields=(
            Field(t(lang, "stats.streak"), t(lang, "stats.streak_value", current=current, longest=longest)),
            Field(t(lang, "stats.points"), t(lang, "stats.points_value", week=week_points, all=all_points)),
            Field(t(lang, "stats.due"), str(due)),
            Field(t(lang, "stats.accuracy"), accuracy, inline=False),
            *((Field(t(lang, "vacation.field"), t(lang, "vacation.until", until=away_until)),) if away_until else ()),
        ),
        footer=t(lang, "stats.heatmap"),
    )
    filename = f"studybot-{user.display_name or user.external_id}-{today.isoformat()}.png"
    alt = t(lang, "stats.heatmap_alt", name=user.display_name, start=day_label(lang, first_day),
            end=day_label(lang, today), count=sum(1 for n in activity.values() if n))
    # about one member: only the one who asked sees it, like /streak
    return Outcome().add(message, private=True, attachment=Attachment(filename, png, alt))


async def remind(ctx: Context, args: Args) -> Outcome:
    switch = args.required("arg.on_off").casefold()
    if switch not in ("on", "off"):
        raise UserError("error.bad_on_off", value=switch[:20])
    at = parsing.time_of_day(args.optional() or "09:00") if switch == "on" else None
    zone_arg = args.rest() if switch == "on" else None  # a zone may be several words: New York
    args.done()
    zone = parsing.timezone(zone_arg) if zone_arg else None
    with ctx.transaction() as (session, actor):
        lang = ctx.member_language(actor)
        zone = zone or actor.channel.timezone
        progress.set_reminder(session, actor.user, switch == "on", at, zone, lang, ctx.now)
    text = t(lang, "remind.on", time=at, timezone=zone) if switch == "on" else t(lang, "remind.off")
    return Outcome().add(Message(Kind.SUCCESS, body=f"⏰ {text}"), private=True)


async def restore_streak(ctx: Context, args: Args) -> Outcome:
    who = args.rest()
    if not who:
        args.required("arg.user")
    with ctx.transaction() as (session, actor):
        lang = actor.channel.language
        user = resolve_member(session, id_of(actor.tenant), who)
        restored = progress.restore_streak(session, id_of(actor.channel), user, actor.user, ctx.now)
        if restored is None:
            return Outcome().add(
                Message(Kind.INFO, body=t(lang, "restore.nothing", name=literal(user.display_name))), private=True
            )
    return Outcome().add(
        Message(
            Kind.SUCCESS,
            body="🩹 " + t(lang, "restore.done", name=literal(user.display_name), before=restored.before,
                          after=restored.after),
        )
    )


async def insights(ctx: Context, args: Args) -> Outcome:
    args.done()
    with ctx.transaction() as (session, actor):
        lang, channel = ctx.member_language(actor), actor.channel
        rows = question_insights(session, actor.tenant.id or 0, channel.id)
        deck = ctx.services.catalog.get(channel.deck_id)
        items = item_stats.deck_report(session, deck, actor.tenant.id or 0, channel.id) if deck else []
        disputes = answers.disputes_field(ctx, session, actor.tenant.id or 0, channel)
    lines = []
    for row in rows[:INSIGHT_LINES]:
        found = ctx.services.catalog.text(channel.deck_id, row["question_id"], lang)
        title = found[1].prompt if found else row["question_id"]
        quiz = (
            t(lang, "insights.quiz", accuracy=f"{round(100 * row['right'] / row['answers'])}% "
              f"({row['right']}/{row['answers']})")
            if row["answers"]
            else t(lang, "insights.no_quiz")
        )
        grades = row["grades"]
        lines.append(
            t(
                lang,
                "insights.line",
                question=shorten_words(title, 90),
                reveals=t(lang, "insights.reveals", count=row["reveals"]),
                again=grades["again"],
                hard=grades["hard"],
                good=grades["good"],
                easy=grades["easy"],
                quiz=quiz,
            )
        )
    body = "\n".join(f"- {line}" for line in lines) or t(lang, "insights.empty")
    if items:
        body += "\n\n" + _item_lines(lang, items)
    fields = (disputes,) if disputes else ()
    return Outcome().add(Message(Kind.STATUS, title=t(lang, "insights.title"), body=body, fields=fields), private=True)


def _item_lines(lang: str, items: list[item_stats.ItemStats]) -> str:
    """The quiz items with their statistics, flagged ones first, and the sample sizes flags need."""
    lines = [f"**{t(lang, 'insights.items.title')}**"]
    for item in items[:ITEM_LINES]:
        picks = " ".join(f"{LETTERS[i]} {round(100 * item.pick_rate(i))}%" for i in range(item.options))
        flags = [
            t(lang, "insights.flag.negative", option=LETTERS[item.strong_pick])
            if flag == "negative" and item.strong_pick is not None
            else t(lang, f"insights.flag.{flag}")
            for flag in item.flags
        ]
        line = t(
            lang,
            "insights.items.line",
            item=item.key,
            members=item.members,
            right=round(100 * (item.difficulty or 0)),
            discrimination="-" if item.discrimination is None else f"{item.discrimination:+.2f}",
            picks=picks,
        )
        lines.append(f"- {line}" + (f" · ⚠️ {', '.join(flags)}" if flags else ""))
    lines.append(
        t(lang, "insights.items.minimum", members=item_stats.MIN_MEMBERS,
          discrimination=item_stats.MIN_MEMBERS_DISCRIMINATION)
    )
    return "\n".join(lines)
