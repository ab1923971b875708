"""Reading a quiz card as a member sees it: which item it shows and which letter holds which deck option."""

from __future__ import annotations

import re

from bot.content.loader import Catalog
from bot.content.schema import QuizItem

LINE = re.compile(r"([A-E])\.\**\s+(.+)$")


def _plain(text: str) -> str:
    return re.sub(r"[*_`]|&amp;|&lt;|&gt;", "", text).strip()


def shown_item(catalog: Catalog, text: str) -> tuple[str, QuizItem]:
    """(question id, deck item) of the one quiz item whose question the card's text shows."""
    plain = _plain(text)
    found = [
        (qid, item)
        for deck in catalog.decks.values()
        for qid, question in deck.questions.items()
        for lang in question.languages
        for item in question.text(lang).quiz  # type: ignore[union-attr]
        if _plain(item.question) in plain
    ]
    assert len({(qid, item.id, tuple(item.options)) for qid, item in found}) == 1, (text, found)
    return found[0]


def shown_options(text: str) -> dict[str, str]:
    """letter -> option text, as listed on the card."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        match = LINE.search(_plain(line).lstrip("✅❌ "))
        if match and match.group(1) not in out:
            out[match.group(1)] = match.group(2).strip()
    return out


def deck_index_by_letter(item: QuizItem, text: str) -> dict[str, int]:
    """letter -> the option's index in the deck file, from the card's text."""
    plain = [_plain(o) for o in item.options]
    return {letter: plain.index(option) for letter, option in shown_options(text).items()}


def letters(item: QuizItem, text: str) -> tuple[str, str]:
    """(the letter of the correct option, the letter of a wrong one) on this card."""
    by_letter = deck_index_by_letter(item, text)
    right = next(letter for letter, index in by_letter.items() if index == item.correct)
    wrong = next(letter for letter, index in by_letter.items() if index != item.correct)
    return right, wrong
