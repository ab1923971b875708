"""Quiz-item quality rules: cues that let a member pass a quiz without knowing the subject.

Each rule looks at a loaded deck and returns findings. ``studybot content validate`` prints them as warnings,
``studybot content lint`` lists them, and ``--strict`` turns them into errors. content/README.md explains each
rule with a bad and a good example; the thresholds below are the ones it quotes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.content.loader import Deck
from bot.content.schema import QuizItem

#: Length cue: the correct option may be the longest one in at most this share of a deck's items ...
LONGEST_MAX_SHARE = 0.30
#: ... the mean of (correct length / mean distractor length) over the items must lie in this range ...
MEAN_RATIO_RANGE = (0.9, 1.15)
#: ... and no single item's correct option may be this many times as long as its distractors on average.
ITEM_RATIO_MAX = 1.6
#: Position balance needs this many items in a deck and language to say anything.
POSITION_MIN_ITEMS = 8
#: A position is over-used when it holds the answer this many times more often than chance (plus one item).
POSITION_MAX_FACTOR = 1.5
#: rapidfuzz ``ratio`` (0-100) from which two options of one item count as near-duplicates (so do two options
#: with the same words of four letters or more in another order or with other filler).
OPTION_SIMILARITY = 95
#: rapidfuzz ``token_sort_ratio`` (0-100) of two items' scenarios (see ``scenario``) from which items of
#: different questions count as near-duplicates.
ITEM_SIMILARITY = 60
#: ... when both scenarios have at least this many words (a code puzzle's few words say little).
ITEM_MIN_WORDS = 8
#: Language parity: an option (or stem) may be at most this many times longer in one language than the other.
PARITY_MAX_RATIO = 2.0

ABSOLUTE_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("always", "never", "only", "solely", "none", "nothing", "completely", "entirely", "guarantee",
           "guarantees", "guaranteed"),
    "pt-BR": ("sempre", "nunca", "jamais", "apenas", "somente", "só", "nenhum", "nenhuma", "nada", "totalmente",
              "completamente", "garante", "garantem", "garantir"),
}

RULES = ("length-cue", "answer-position", "duplicate-options", "near-duplicate-items", "absolute-words",
         "language-parity")


@dataclass(frozen=True)
class Finding:
    """One cue or inconsistency, named by rule, file and field."""

    rule: str
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message} [{self.rule}]"


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _file(deck: Deck, question_id: str) -> str:
    return f"{deck.path.name}/questions/{question_id}.yaml"


def _items(deck: Deck, language: str) -> Iterator[tuple[str, int, QuizItem]]:
    for qid in sorted(deck.questions):
        side = deck.questions[qid].text(language)
        if side is not None:
            for index, item in enumerate(side.quiz):
                yield qid, index, item


def length_ratio(item: QuizItem) -> float:
    """Length of the correct option over the mean length of the distractors (1.0 = no cue)."""
    distractors = [len(o) for i, o in enumerate(item.options) if i != item.correct]
    return len(item.options[item.correct]) / (sum(distractors) / len(distractors))


def correct_is_longest(item: QuizItem) -> bool:
    """True when the correct option is strictly longer than every distractor."""
    length = len(item.options[item.correct])
    return all(length > len(o) for i, o in enumerate(item.options) if i != item.correct)


def length_cue(deck: Deck) -> list[Finding]:
    found: list[Finding] = []
    for lang in deck.info.languages:
        items = list(_items(deck, lang))
        if not items:
            continue
        longest = [f"{qid}#{item.id}" for qid, _, item in items if correct_is_longest(item)]
        share = len(longest) / len(items)
        mean = sum(length_ratio(item) for _, _, item in items) / len(items)
        if share > LONGEST_MAX_SHARE:
            found.append(Finding(
                "length-cue", f"{deck.path.name}/", lang,
                f"the correct option is the longest in {len(longest)} of {len(items)} items ({share:.0%}); "
                f"keep it at most {LONGEST_MAX_SHARE:.0%} by shortening answers or lengthening distractors",
            ))
        low, high = MEAN_RATIO_RANGE
        if not low <= mean <= high:
            found.append(Finding(
                "length-cue", f"{deck.path.name}/", lang,
                f"the correct option is on average {mean:.2f}x as long as a distractor; keep it between "
                f"{low} and {high}",
            ))
        for qid, index, item in items:
            ratio = length_ratio(item)
            if ratio > ITEM_RATIO_MAX:
                found.append(Finding(
                    "length-cue", _file(deck, qid), f"{lang}.quiz[{index}]",
                    f"the correct option is {ratio:.1f}x as long as the distractors (at most {ITEM_RATIO_MAX})",
                ))
    return found


def answer_position(deck: Deck) -> list[Finding]:
    found: list[Finding] = []
    for lang in deck.info.languages:
        items = [item for _, _, item in _items(deck, lang)]
        if len(items) < POSITION_MIN_ITEMS:
            continue
        expected = [0.0] * 5
        observed = [0] * 5
        for item in items:
            for position in range(len(item.options)):
                expected[position] += 1 / len(item.options)
            observed[item.correct] += 1
        for position, count in enumerate(observed):
            if count > expected[position] * POSITION_MAX_FACTOR + 1:
                found.append(Finding(
                    "answer-position", f"{deck.path.name}/", lang,
                    f"option {'ABCDE'[position]} is the correct one in {count} of {len(items)} items, chance "
                    f"would give about {expected[position]:.0f}; move some answers to other positions",
                ))
    return found


def _code(text: str) -> list[str]:
    return re.findall(r"`[^`]*`", text)


def _content_words(text: str) -> frozenset[str]:
    """Words of four letters or more outside code spans: what an option says, without its filler."""
    return frozenset(re.findall(r"\w{4,}", re.sub(r"`[^`]*`", " ", text).casefold()))


def near_duplicate(a: str, b: str) -> float | None:
    """How alike two options are (0-100) when they say the same thing in other words; None when they differ.
    Options whose code differs (``3`` vs ``0``) are deliberate minimal pairs and never count."""
    if _code(a) != _code(b):
        return None
    score = fuzz.ratio(_normal(a), _normal(b))
    words_a, words_b = _content_words(a), _content_words(b)
    if score >= OPTION_SIMILARITY or (words_a and words_a == words_b):
        return score
    return None


def duplicate_options(deck: Deck) -> list[Finding]:
    found: list[Finding] = []
    for lang in deck.info.languages:
        for qid, index, item in _items(deck, lang):
            options = item.options
            for a in range(len(options)):
                for b in range(a + 1, len(options)):
                    score = near_duplicate(options[a], options[b])
                    if score is not None:
                        found.append(Finding(
                            "duplicate-options", _file(deck, qid), f"{lang}.quiz[{index}].options",
                            f"{'ABCDE'[a]} and {'ABCDE'[b]} say the same thing ({score:.0f}% alike); make each "
                            "option a different idea",
                        ))
    return found


def scenario(item: QuizItem) -> str:
    """An item's scenario: the words of four letters or more (outside code) of its stem and correct option,
    sorted, so that word order and filler do not hide a repeat."""
    return " ".join(sorted(_content_words(f"{item.question} {item.options[item.correct]}")))


def near_duplicate_items(deck: Deck) -> list[Finding]:
    found: list[Finding] = []
    for lang in deck.info.languages:
        items = [(qid, index, item, scenario(item)) for qid, index, item in _items(deck, lang)]
        for a, (qid_a, _, item_a, text_a) in enumerate(items):
            for qid_b, index_b, _, text_b in items[a + 1:]:
                if qid_a == qid_b or min(len(text_a.split()), len(text_b.split())) < ITEM_MIN_WORDS:
                    continue
                score = fuzz.token_sort_ratio(text_a, text_b)
                if score >= ITEM_SIMILARITY:
                    found.append(Finding(
                        "near-duplicate-items", _file(deck, qid_b), f"{lang}.quiz[{index_b}]",
                        f"repeats the scenario of {qid_a}#{item_a.id} ({score:.0f}% alike); give each question "
                        "its own scenario",
                    ))
    return found


def _absolute(text: str, language: str) -> list[str]:
    words = re.findall(r"\w+", re.sub(r"`[^`]*`", " ", text).casefold())  # `None` in code is no absolute
    return [w for w in ABSOLUTE_WORDS.get(language, ()) if w in words]


def absolute_words(deck: Deck) -> list[Finding]:
    found: list[Finding] = []
    for lang in deck.info.languages:
        for qid, index, item in _items(deck, lang):
            if _absolute(item.options[item.correct], lang):
                continue
            for position, option in enumerate(item.options):
                words = _absolute(option, lang) if position != item.correct else []
                if words:
                    found.append(Finding(
                        "absolute-words", _file(deck, qid), f"{lang}.quiz[{index}].options[{position}]",
                        f"the distractor says {words[0]!r} and the correct option has no such word; a test-wise "
                        "member drops it without knowing why it is wrong",
                    ))
    return found


def language_parity(deck: Deck) -> list[Finding]:
    found: list[Finding] = []
    languages = deck.info.languages
    for qid in sorted(deck.questions):
        question = deck.questions[qid]
        sides = [(lang, question.text(lang)) for lang in languages]
        present = [(lang, side) for lang, side in sides if side is not None]
        if len(present) < 2:
            continue
        (first, base), others = present[0], present[1:]
        for lang, side in others:
            for index, (a, b) in enumerate(zip(base.quiz, side.quiz, strict=False)):
                where = f"{lang}.quiz[{index}]"
                if a.correct != b.correct:
                    found.append(Finding(
                        "language-parity", _file(deck, qid), f"{where}.correct",
                        f"is {b.correct} but {first} says {a.correct}; the languages must mark the same option",
                    ))
                pairs = [("question", a.question, b.question)] + [
                    (f"options[{i}]", x, y) for i, (x, y) in enumerate(zip(a.options, b.options, strict=False))
                ]
                for name, x, y in pairs:
                    ratio = max(len(x), len(y)) / max(1, min(len(x), len(y)))
                    if ratio > PARITY_MAX_RATIO and max(len(x), len(y)) > 20:
                        found.append(Finding(
                            "language-parity", _file(deck, qid), f"{where}.{name}",
                            f"is {len(y)} characters where {first} has {len(x)}; keep the languages parallel",
                        ))
    return found


CHECKS: tuple[Callable[[Deck], list[Finding]], ...] = (
    length_cue, answer_position, duplicate_options, near_duplicate_items, absolute_words, language_parity,
)


def lint_deck(deck: Deck) -> list[Finding]:
    """Every finding of every rule for one deck, rule by rule."""
    return [finding for check in CHECKS for finding in check(deck)]
