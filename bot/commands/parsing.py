"""Parsers for argument values; each raises UserError naming what was wrong."""

from __future__ import annotations

import re

import emoji as emoji_lib

from bot.commands.errors import UserError
from bot.content.loader import Catalog, Deck
from bot.i18n import parse_language
from bot.rules.schedule import ScheduleError, format_days, parse_days, parse_time
from bot.rules.timezones import canonical_timezone, parse_utc_offset, suggest_timezones

_CUSTOM_DISCORD = re.compile(r"^<a?:([\w~-]+):\d+>$")
_SHORTCODE = re.compile(r"^:?([\w+\-]+(?:::[\w\-]+)?):?$")


def did_you_mean(options: list[str]) -> tuple[str, dict[str, object]] | None:
    if not options:
        return None
    return "error.did_you_mean", {"suggestions": ", ".join(f"`{o}`" for o in options)}


def time_of_day(value: str) -> str:
    try:
        parsed = parse_time(value)
    except ScheduleError as exc:
        raise UserError("error.bad_time", value=value) from exc
    return parsed.strftime("%H:%M")


def timezone(value: str) -> str:
    """An IANA zone name; a city, an abbreviation or a UTC offset gets the zone(s) it means as a suggestion."""
    zone = canonical_timezone(value)
    if zone is not None:
        return zone
    offset = parse_utc_offset(value)
    if offset is not None:
        places = ", ".join(f"`{z}`" for z in offset.places()) or "–"
        hint: tuple[str, dict[str, object]] = (
            ("error.utc_offset", {"offset": offset.label, "places": places, "etc": offset.etc_zone})
            if offset.etc_zone
            else ("error.utc_offset_places", {"offset": offset.label, "places": places})
        )
        raise UserError("error.bad_timezone", value=value[:40], hint=hint)
    raise UserError("error.bad_timezone", value=value[:40], hint=did_you_mean(suggest_timezones(value)))


def timezone_and_days(tokens: list[str], default_days: str | None) -> tuple[str, str | None]:
    """The zone and the days of ``schedule``'s remaining words. A zone name is one word; what people type
    instead may be several ("New York", "Sao Paulo"), then the last word is the days when it reads as days."""
    if not tokens:
        raise UserError("error.missing_arg", what=("t", "arg.timezone"))
    if canonical_timezone(tokens[0]) is not None or len(tokens) == 1:
        zone, rest = timezone(tokens[0]), tokens[1:]
        if len(rest) > 1:
            raise UserError("error.too_many_args", extra=" ".join(rest[1:])[:60])
        return zone, days(rest[0]) if rest else default_days
    days_value = default_days
    try:
        parse_days(tokens[-1])
    except ScheduleError:
        pass
    else:
        days_value, tokens = days(tokens[-1]), tokens[:-1]
    return timezone(" ".join(tokens)), days_value


def days(value: str) -> str:
    """The canonical form (``mon-fri``, ``mon,wed,fri``) of days typed in either language."""
    try:
        parsed = parse_days(value)
    except ScheduleError as exc:
        raise UserError("error.bad_days", value=value[:40]) from exc
    return format_days(parsed)


def language(value: str) -> str:
    lang = parse_language(value)
    if lang is None:
        raise UserError("error.bad_language", value=value)
    return lang


def deck(catalog: Catalog, value: str) -> Deck:
    found = catalog.get(value.strip().casefold())
    if found is None:
        import difflib

        ids = sorted(catalog.decks)
        raise UserError(
            "error.unknown_deck",
            value=value,
            decks=", ".join(f"`{d}`" for d in ids),
            hint=did_you_mean(difflib.get_close_matches(value.casefold(), ids, n=2, cutoff=0.6)),
        )
    return found


def categories(the_deck: Deck, value: str) -> list[str]:
    wanted = [c.strip().casefold() for c in value.split(",") if c.strip()]
    known = sorted(the_deck.info.categories)
    for category in wanted:
        if category not in the_deck.info.categories:
            import difflib

            raise UserError(
                "error.unknown_category",
                value=category,
                categories=", ".join(f"`{c}`" for c in known),
                hint=did_you_mean(difflib.get_close_matches(category, known, n=2, cutoff=0.6)),
            )
    return wanted


def count(value: str, maximum: int) -> int:
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise UserError("error.bad_count", value=value[:40], max=maximum)
    return int(value)


def normalise_emoji(value: str) -> str | None:
    """A comparable form of an emoji: the unicode character for standard ones (from unicode, ``eyes`` or
    ``:eyes:``), ``:name:`` for custom ones (Slack ``partyparrot``, Discord ``<:name:id>``). None if not an emoji."""
    text = value.strip()
    if not text:
        return None
    bare = text.replace("\ufe0f", "")
    if emoji_lib.is_emoji(text) or emoji_lib.is_emoji(bare):
        return bare
    custom = _CUSTOM_DISCORD.match(text)
    if custom:
        return f":{custom.group(1)}:"
    code = _SHORTCODE.match(text)
    if code:
        name = code.group(1).split("::")[0]  # drop Slack skin-tone suffixes
        as_unicode = emoji_lib.emojize(f":{name}:", language="alias")
        if as_unicode != f":{name}:":
            return as_unicode.replace("\ufe0f", "")
        return f":{name}:"
    return None


def reveal_emoji(value: str) -> str:
    normal = normalise_emoji(value)
    if normal is None or len(normal) > 64:
        raise UserError("error.bad_emoji", value=value[:40])
    return normal
