"""Every text users see, once per language: ``en.py`` and ``pt_br.py`` hold the same keys."""

from __future__ import annotations

from collections.abc import Iterable

from bot.i18n import en, pt_br

LANGUAGES = {"en": en.TEXTS, "pt-BR": pt_br.TEXTS}
DEFAULT_LANGUAGE = "en"


def t(language: str, key: str, **params: object) -> str:
    """The text ``key`` in ``language`` (English if the language is unknown), formatted with ``params``.

    With a numeric ``count`` the text follows the language's plural rules (CLDR): ``key#one`` for "1 question
    day", ``key`` itself for the other forms; the count is written as the language writes numbers."""
    texts = LANGUAGES.get(language, en.TEXTS)
    count = params.get("count")
    if isinstance(count, int | float) and not isinstance(count, bool):
        from bot.i18n.words import number, plural_form

        text = texts.get(f"{key}#{plural_form(language, count)}", texts[key])
        return text.format(**{**params, "count": number(language, count)})
    return texts[key].format(**params) if params else texts[key]


def member_language(override: str | None, locale: str, channel_language: str, available: Iterable[str]) -> str:
    """The language of replies to one member: their own choice (``/studybot mylanguage``), else the language
    their platform reports, when the channel's deck has it; else the channel's language."""
    offered = set(available)
    for candidate in (override, parse_language(locale.split("-")[0]) if locale else None):
        if candidate and candidate in offered and candidate in LANGUAGES:
            return candidate
    return channel_language


def parse_language(value: str) -> str | None:
    """``pt``, ``pt-br``, ``pt_BR``, ``português`` -> ``pt-BR``; ``en``, ``english`` -> ``en``; else None."""
    key = value.strip().casefold().replace("_", "-")
    if key in ("pt", "pt-br", "br", "portuguese", "português", "portugues"):
        return "pt-BR"
    if key in ("en", "en-us", "en-gb", "english", "inglês", "ingles"):
        return "en"
    return None
