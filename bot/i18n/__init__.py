"""Every text users see, once per language: ``en.py`` and ``pt_br.py`` hold the same keys."""

from __future__ import annotations

from collections.abc import Iterable

from bot.i18n import en, pt_br

LANGUAGES = {"en": en.TEXTS, "pt-BR": pt_br.TEXTS}
DEFAULT_LANGUAGE = "en"


def t(language: str, key: str, **params: object) -> str:
    """The text ``key`` in ``language`` (English if the language is unknown), formatted with ``params``."""
    texts = LANGUAGES.get(language, en.TEXTS)
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
