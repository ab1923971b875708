"""``/studybot help|status|post|schedule|deck|language|reveal|order|off|on``: channel settings and posting on demand."""

from __future__ import annotations

from datetime import date, datetime

from bot.commands import parsing
from bot.commands.args import Args
from bot.commands.context import Context
from bot.commands.errors import UserError
from bot.i18n import t
from bot.i18n.words import parse_weekday, slot_label, weekday_name
from bot.messages import Field, Kind, Message, Outcome
from bot.rules.schedule import WEEKDAYS, format_days, parse_days
from bot.services.directory import channel_schedule
from bot.services.posting import latest_post, latest_seq
from bot.storage.ids import id_of
from bot.storage.models import Channel


def days_label(language: str, days: str) -> str:
    canonical = format_days(parse_days(days))
    if canonical in ("daily", "mon-fri"):
        return t(language, f"days.{canonical}")
    return ", ".join(weekday_name(language, d, "abbreviated") for d in sorted(parse_days(days)))


def local_time_label(language: str, instant: datetime, timezone: str) -> str:
    return slot_label(language, instant, timezone)


def weekly_label(language: str, weekly_day: str) -> str:
    """The weekly leaderboard's day, by its name in ``language``, or "off"."""
    if weekly_day not in WEEKDAYS:
        return t(language, "status.off")
    return weekday_name(language, WEEKDAYS.index(weekly_day))


def next_post_label(language: str, channel: Channel, now: datetime, posted: date | None = None) -> str:
    """When the next question goes out; ``posted`` is the latest question day already posted (``/studybot post``
    can post today's question before its time: the next one is then the next question day)."""
    schedule = channel_schedule(channel)
    day, slot = schedule.next_slot(now)
    while posted is not None and day <= posted:
        day, slot = schedule.next_slot(slot)
    return local_time_label(language, slot, channel.timezone)


def _posted_day(ctx: Context, channel: Channel) -> date | None:
    with ctx.services.db.transaction() as session:
        latest = latest_post(session, channel.id or 0)
        return latest.question_day if latest else None


def _update_channel(ctx: Context, *, reschedule: bool, **fields: object) -> Channel:
    """Set channel settings in one transaction; tell the scheduler when the timetable may have changed."""
    with ctx.transaction() as (session, actor):
        channel = actor.channel
        for name, value in fields.items():
            setattr(channel, name, value)
        channel.updated_at = ctx.now
        session.add(channel)
    if reschedule:
        ctx.services.schedule_changed(id_of(channel))
    return channel


async def status(ctx: Context, args: Args) -> Outcome:
    args.done()
    with ctx.transaction() as (session, actor):
        channel = actor.channel
        lang = ctx.member_language(actor)
        deck = ctx.services.catalog.get(channel.deck_id)
        cats = channel.categories.replace(",", ", ") or t(lang, "status.all_categories")
        fields = [
            Field(
                t(lang, "status.deck"), f"{deck.title(lang) if deck else channel.deck_id} (`{channel.deck_id}`, {cats})"
            ),
            Field(t(lang, "status.language"), lang),
            Field(
                t(lang, "status.schedule"),
                t(
                    lang,
                    "status.schedule_value",
                    time=channel.post_time,
                    timezone=channel.timezone,
                    days=days_label(lang, channel.days),
                ),
            ),
            Field(t(lang, "status.reveal"), channel.reveal_emoji),
            Field(t(lang, "status.order"), t(lang, f"status.order_{channel.question_order}")),
            Field(t(lang, "status.state"), t(lang, "status.on" if channel.enabled else "status.off")),
            Field(t(lang, "status.weekly"), weekly_label(lang, channel.weekly_day)),
            Field(t(lang, "status.eod"), channel.eod_time or t(lang, "status.off")),
            Field(t(lang, "status.posted"), str(latest_seq(session, id_of(channel)) or 0)),
        ]
        if channel.enabled:
            latest = latest_post(session, channel.id or 0)
            posted = latest.question_day if latest else None
            fields.append(Field(t(lang, "status.next"), next_post_label(lang, channel, ctx.now, posted)))
    return Outcome().add(Message(Kind.STATUS, title=f"⚙️ {t(lang, 'status.title')}", fields=tuple(fields)), private=True)


def upcoming_posts(channel: Channel, now: datetime, posted: date | None, count: int = 3) -> list[datetime]:
    """The next ``count`` post instants, after the question days already posted."""
    schedule = channel_schedule(channel)
    out: list[datetime] = []
    day, slot = schedule.next_slot(now)
    while len(out) < count:
        if posted is None or day > posted:
            out.append(slot)
        day, slot = schedule.next_slot(slot)
    return out


def _show_schedule(ctx: Context) -> Outcome:
    """``/studybot schedule`` without arguments: the timetable and the next posts."""
    with ctx.transaction() as (session, actor):
        channel, lang = actor.channel, actor.channel.language
        latest = latest_post(session, channel.id or 0)
    current = t(lang, "status.schedule_value", time=channel.post_time, timezone=channel.timezone,
                days=days_label(lang, channel.days))
    if channel.enabled:
        posts = upcoming_posts(channel, ctx.now, latest.question_day if latest else None)
        body = t(lang, "schedule.show", schedule=current,
                 next="\n".join(f"- {local_time_label(lang, slot, channel.timezone)}" for slot in posts))
    else:
        body = t(lang, "schedule.show_off", schedule=current)
    body += "\n" + t(lang, "schedule.how")
    return Outcome().add(Message(Kind.STATUS, title=f"🗓️ {t(lang, 'status.schedule')}", body=body), private=True)


async def schedule(ctx: Context, args: Args) -> Outcome:
    if not len(args):
        return _show_schedule(ctx)
    time_value = parsing.time_of_day(args.required("arg.time"))
    zone, days_value = parsing.timezone_and_days(args.remaining(), "mon-fri")
    assert days_value is not None
    channel = _update_channel(ctx, reschedule=True, post_time=time_value, timezone=zone, days=days_value, enabled=True)
    lang = channel.language
    text = t(
        lang,
        "settings.schedule",
        time=time_value,
        timezone=zone,
        days=days_label(lang, days_value),
        next=next_post_label(lang, channel, ctx.now, _posted_day(ctx, channel)),
    )
    return Outcome().add(Message(Kind.SUCCESS, body=f"🗓️ {text}"))


async def set_deck(ctx: Context, args: Args) -> Outcome:
    deck = parsing.deck(ctx.services.catalog, args.required("arg.deck"))
    wanted = parsing.categories(deck, args.rest()) if len(args) else []
    with ctx.transaction() as (session, actor):
        channel = actor.channel
        lang = channel.language
        if not deck.question_ids(lang, wanted):
            from bot.commands.errors import UserError

            raise UserError("error.no_questions", deck=deck.id, language=lang, categories="")
        channel.deck_id, channel.categories, channel.updated_at = deck.id, ",".join(wanted), ctx.now
        session.add(channel)
        cats = ", ".join(wanted) if wanted else t(lang, "status.all_categories")
    return Outcome().add(
        Message(Kind.SUCCESS, body=f"📦 {t(lang, 'settings.deck', deck=deck.title(lang), categories=cats)}")
    )


async def set_language(ctx: Context, args: Args) -> Outcome:
    lang = parsing.language(args.required("arg.language"))
    args.done()
    with ctx.transaction() as (session, actor):
        channel = actor.channel
        deck = ctx.services.catalog.get(channel.deck_id)
        if deck is not None and not deck.question_ids(lang, [c for c in channel.categories.split(",") if c]):
            from bot.commands.errors import UserError

            raise UserError("error.no_questions", deck=deck.id, language=lang, categories="")
        channel.language, channel.updated_at = lang, ctx.now
        session.add(channel)
    ctx.set_language(lang)
    return Outcome().add(Message(Kind.SUCCESS, body=f"🌐 {t(lang, 'settings.language')}"))


async def set_reveal(ctx: Context, args: Args) -> Outcome:
    emoji = parsing.reveal_emoji(args.required("arg.emoji"))
    args.done()
    lang = _update_channel(ctx, reschedule=False, reveal_emoji=emoji).language
    return Outcome().add(Message(Kind.SUCCESS, body=t(lang, "settings.reveal", emoji=emoji)))


async def turn_off(ctx: Context, args: Args) -> Outcome:
    args.done()
    lang = _update_channel(ctx, reschedule=True, enabled=False).language
    return Outcome().add(Message(Kind.SUCCESS, body=f"⏸️ {t(lang, 'settings.off')}"))


async def turn_on(ctx: Context, args: Args) -> Outcome:
    args.done()
    channel = _update_channel(ctx, reschedule=True, enabled=True, failures=0)
    text = t(channel.language, "settings.on",
             next=next_post_label(channel.language, channel, ctx.now, _posted_day(ctx, channel)))
    return Outcome().add(Message(Kind.SUCCESS, body=f"▶️ {text}"))


async def set_weekly(ctx: Context, args: Args) -> Outcome:
    raw = args.required("arg.weekday").strip()
    args.done()
    weekday = parse_weekday(raw)
    if weekday is None and raw.casefold() not in ("off", "desligado", "nao", "não"):
        raise UserError("error.bad_weekday", value=raw[:40])
    value = WEEKDAYS[weekday] if weekday is not None else "off"
    lang = _update_channel(ctx, reschedule=True, weekly_day=value).language
    if value == "off":
        return Outcome().add(Message(Kind.SUCCESS, body=t(lang, "settings.weekly_off")))
    return Outcome().add(Message(Kind.SUCCESS, body=f"🏆 {t(lang, 'settings.weekly', day=weekly_label(lang, value))}"))


async def set_eod(ctx: Context, args: Args) -> Outcome:
    raw = args.required("arg.time")
    args.done()
    value = None if raw.casefold() == "off" else parsing.time_of_day(raw)
    lang = _update_channel(ctx, reschedule=True, eod_time=value).language
    text = t(lang, "settings.eod", time=value) if value else t(lang, "settings.eod_off")
    return Outcome().add(Message(Kind.SUCCESS, body=f"🌙 {text}"))


QUESTION_ORDERS = ("adaptive", "shuffled")


async def set_order(ctx: Context, args: Args) -> Outcome:
    value = args.required("arg.order").strip().casefold()
    args.done()
    if value not in QUESTION_ORDERS:
        raise UserError("error.bad_order", value=value[:20])
    lang = _update_channel(ctx, reschedule=False, question_order=value).language
    return Outcome().add(Message(Kind.SUCCESS, body=f"🧭 {t(lang, f'settings.order_{value}')}"))
