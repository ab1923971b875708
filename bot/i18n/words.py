"""Words that depend on the language's grammar and calendar, from CLDR (via Babel): plural forms, weekday names,
dates and numbers in each language studybot speaks."""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, get_day_names, get_month_names
from babel.numbers import format_decimal

#: studybot's language codes and their CLDR locales.
LOCALES = {"en": "en", "pt-BR": "pt_BR"}


@functools.cache
def locale(language: str) -> Locale:
    return Locale.parse(LOCALES.get(language, "en"))


def plural_form(language: str, count: float) -> str:
    """CLDR plural category of ``count``: "one", "other" (and "many" in some languages)."""
    return locale(language).plural_form(count)


def number(language: str, value: float) -> str:
    """``3`` not ``3.0``, ``16.5`` in English and ``16,5`` in Portuguese, thousands grouped."""
    return format_decimal(value, "#,##0.#", locale=locale(language))


def weekday_name(
    language: str, weekday: int, width: Literal["abbreviated", "narrow", "short", "wide"] = "wide"
) -> str:
    """Monday is 0: "Monday"/"segunda-feira" (wide), "Mon"/"seg." (abbreviated)."""
    return get_day_names(width, locale=locale(language))[weekday]


def month_name(language: str, month: int, width: Literal["abbreviated", "narrow", "wide"] = "abbreviated") -> str:
    """January is 1: "Jan"/"jan." (abbreviated)."""
    return get_month_names(width, locale=locale(language))[month]


def date_label(language: str, day: date) -> str:
    """A date with its weekday, as the language writes it: "Mon, Mar 23, 2026", "seg., 23 de mar. de 2026"."""
    return format_skeleton("yMMMEd", day, locale=locale(language))


def day_label(language: str, day: date) -> str:
    """A date as the language writes it: "Mar 23, 2026", "23 de mar. de 2026"."""
    return format_date(day, "medium", locale=locale(language))


def slot_label(language: str, instant: datetime, timezone: str) -> str:
    """A post's local time with its weekday and zone: "Wed 2026-03-04 07:30 (Europe/Berlin)"."""
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{weekday_name(language, local.weekday(), 'abbreviated')} {local:%Y-%m-%d %H:%M} ({timezone})"


def _fold(text: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[.\s]", "", plain.casefold()).removesuffix("-feira").removesuffix("feira")


@functools.cache
def _weekday_words() -> dict[str, int]:
    words: dict[str, int] = {}
    for language in LOCALES:
        for width in ("wide", "abbreviated", "short"):
            for index, name in get_day_names(width, locale=locale(language)).items():
                words.setdefault(_fold(name), index)
    for index, code in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun")):
        words[code] = index
    return words


def parse_weekday(text: str) -> int | None:
    """A weekday typed in English or Portuguese, in full or short, with or without accents: "fri", "Friday",
    "sex", "sexta", "sexta-feira", "sáb", "sab" -> its index (Monday is 0); None if it is not a weekday."""
    return _weekday_words().get(_fold(text))
