"""Spaced repetition and personal progress: ``/review``, ``/stats``, ``/studybot remind``, ``restore-streak``,
``insights``."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from bot.commands import parsing
from bot.commands.args import Args
from bot.commands.channel_admin import local_time_label
from bot.commands.context import Context
from bot.commands.errors import UserError
from bot.commands.members import resolve_member
from bot.commands.quiz import start_quiz
from bot.i18n import t
from bot.messages import Attachment, Field, Kind, Message, Outcome
from bot.rules.periods import ALL_TIME, local_day
from bot.services import progress, quizzes, reviews, standings, totals
from bot.services.insights import question_insights
from bot.storage.ids import id_of

INSIGHT_LINES = 15


async def review(ctx: Context, args: Args) -> Outcome:
    args.done()
    with ctx.transaction() as (session, actor):
        channel, lang = actor.channel, actor.channel.language
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
        items = quizzes.pick_items(deck, lang, [], due, quizzes.MAX_QUIZ_ITEMS, ctx.services.rng)
        card = start_quiz(ctx, session, actor, deck, items)
    return (
        Outcome()
        .add(Message(Kind.INFO, body=f"🗂️ {t(lang, 'review.starting', count=len(due))}"), private=True)
        .add(card, private=True)
    )


async def stats(ctx: Context, args: Args) -> Outcome:
    from bot.rules.heatmap import render_heatmap

    who = args.rest()
    with ctx.transaction() as (session, actor):
        channel, lang, tenant_id = actor.channel, actor.channel.language, id_of(actor.tenant)
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
        first_day = today - timedelta(weeks=12)
        days = progress.participation_by_day(session, tenant_id, id_of(user), first_day)
        points = totals.member_points(session, tenant_id, id_of(user), (week, ALL_TIME))
        week_points, all_points = points[week], points[ALL_TIME]
    png = render_heatmap(today, days)
    message = Message(
        Kind.STATUS,
        title=t(lang, "stats.title", name=user.display_name),
        fields=(
            Field(t(lang, "stats.streak"), t(lang, "stats.streak_value", current=current, longest=longest)),
            Field(t(lang, "stats.points"), t(lang, "stats.points_value", week=week_points, all=all_points)),
            Field(t(lang, "stats.due"), str(due)),
            Field(t(lang, "stats.accuracy"), accuracy, inline=False),
        ),
        footer=t(lang, "stats.heatmap"),
    )
    filename = f"studybot-{user.display_name or user.external_id}-{today.isoformat()}.png"
    return Outcome().add(message, attachment=Attachment(filename, png))


async def remind(ctx: Context, args: Args) -> Outcome:
    switch = args.required("arg.on_off").casefold()
    if switch not in ("on", "off"):
        raise UserError("error.bad_on_off", value=switch[:20])
    at = parsing.time_of_day(args.optional() or "09:00") if switch == "on" else None
    zone_arg = args.optional() if switch == "on" else None
    args.done()
    zone = parsing.timezone(zone_arg) if zone_arg else None
    with ctx.transaction() as (session, actor):
        lang = actor.channel.language
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
                Message(Kind.INFO, body=t(lang, "restore.nothing", name=user.display_name)), private=True
            )
    return Outcome().add(
        Message(
            Kind.SUCCESS,
            body=f"🩹 {t(lang, 'restore.done', name=user.display_name, before=restored.before, after=restored.after)}",
        )
    )


async def insights(ctx: Context, args: Args) -> Outcome:
    args.done()
    with ctx.transaction() as (session, actor):
        lang, channel = actor.channel.language, actor.channel
        rows = question_insights(session, id_of(actor.tenant), channel.id)
    lines = []
    for row in rows[:INSIGHT_LINES]:
        found = ctx.services.catalog.text(channel.deck_id, row["question_id"], lang)
        title = found[1].prompt if found else row["question_id"]
        accuracy = (
            f"{round(100 * row['right'] / row['answers'])}% ({row['right']}/{row['answers']})"
            if row["answers"]
            else t(lang, "insights.no_quiz")
        )
        grades = row["grades"]
        lines.append(
            t(
                lang,
                "insights.line",
                question=title[:90],
                reveals=row["reveals"],
                again=grades["again"],
                hard=grades["hard"],
                good=grades["good"],
                easy=grades["easy"],
                accuracy=accuracy,
            )
        )
    body = "\n".join(f"- {line}" for line in lines) or t(lang, "insights.empty")
    return Outcome().add(Message(Kind.STATUS, title=t(lang, "insights.title"), body=body), private=True)
