"""Grades a free-text answer against a question's key points, offline, in pt-BR, English or a mix of both.

An answer covers a key point when it contains one of the point's terms. Words are compared as stems (Snowball),
without case or accents, so inflections and spelling variants meet; words of 5+ letters also match a near spelling
(rapidfuzz), which absorbs typos and British/American forms. A term of several words matches when its words stand
close together in any order. Point N of the other language counts for point N, so mixed answers are graded too.

Lexical on purpose: it is fast (well under a millisecond per answer), explains itself (the matched term), and text
that tries to instruct the grader is just more words. See BENCHMARKS.md for how it compares with an embedding model.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from bot.content.schema import Question

#: Longest answer graded, in characters (Slack's multi-line input allows 3,000; Discord's 4,000).
MAX_ANSWER_CHARS = 3000
#: Fewest letters for a word to match a near spelling, and how near (rapidfuzz ratio, 0-100).
FUZZY_MIN_LETTERS = 5
FUZZY_CUTOFF = 84.0
#: How far apart the words of one term may stand: an n-word term matches when every word is at most
#: n + TERM_SLACK positions from one of them (so a two-word term allows 4 other words in between).
TERM_SLACK = 3

_WORD = re.compile(r"\w+", re.UNICODE)
_STEMMERS = {"pt-BR": "portuguese", "en": "english"}
_STOPWORDS = {
    "en": frozenset(
        re.split(
            r"\s+",
            "a an the of to in on for and or is are be by with as at it its this that from into than then so do "
            "does you your we our i my",
        )
    ),
    "pt-BR": frozenset(
        re.split(
            r"\s+",
            "a o as os um uma uns umas de do da dos das em no na nos nas por para pelo pela com e ou que se "
            "é são ser ao aos à às seu sua eu nós meu minha",
        )
    ),
}


@dataclass(frozen=True)
class PointResult:
    point: str  # the statement in the grading language, shown as the hint when missed
    covered: bool
    matched: str | None  # the term that covered it


@dataclass(frozen=True)
class Grade:
    points: tuple[PointResult, ...]

    @property
    def covered(self) -> int:
        return sum(p.covered for p in self.points)

    @property
    def total(self) -> int:
        return len(self.points)

    @property
    def coverage(self) -> float:
        return self.covered / self.total if self.total else 0.0


#: Coverage bands onto FSRS ratings: below 35% Again, below 65% Hard, below 90% Good, else Easy.
BANDS: tuple[tuple[float, str], ...] = ((0.35, "again"), (0.65, "hard"), (0.90, "good"))


def fsrs_rating(grade: Grade) -> str:
    for upper, rating in BANDS:
        if grade.coverage < upper:
            return rating
    return "easy"


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=4)
def _stemmer(language: str):
    import snowballstemmer  # deferred: no work at import time

    return snowballstemmer.stemmer(_STEMMERS[language])


def _prepare(text: str) -> str:
    return text.casefold().replace("a/b", "ab")


def stems(text: str, language: str) -> list[str]:
    """The text's content words as accent-free stems, in order (function words dropped, unless there is
    nothing else)."""
    words = _WORD.findall(_prepare(text))
    stop = _STOPWORDS[language]
    kept = [w for w in words if w not in stop] or words
    return [_fold(s) for s in _stemmer(language).stemWords(kept)]


def only_function_words(term: str, language: str) -> bool:
    """Whether a key-point term is made only of function words ("from", "por que"). Answers are graded without
    their function words whenever they say anything else, so such a term could never be found in one."""
    words = _WORD.findall(_prepare(term))
    return bool(words) and all(w in _STOPWORDS[language] for w in words)


@lru_cache(maxsize=4096)
def _term(term: str, language: str) -> tuple[str, ...]:
    return tuple(stems(term, language))


@dataclass
class _Answer:
    """An answer stemmed in both languages, with lookups shared by every term checked against it."""

    positions: dict[str, dict[str, list[int]]]
    folded: str
    _near: dict[tuple[str, str], list[int]]

    @classmethod
    def of(cls, text: str, languages: Sequence[str]) -> _Answer:
        positions: dict[str, dict[str, list[int]]] = {}
        for lang in languages:
            index: dict[str, list[int]] = {}
            for i, stem in enumerate(stems(text, lang)):
                index.setdefault(stem, []).append(i)
            positions[lang] = index
        return cls(positions, _fold(text.casefold()), {})

    def where(self, stem: str, language: str) -> list[int]:
        """Positions of ``stem`` in the answer, or of a near spelling of it (same first letter) for longer words."""
        key = (stem, language)
        if key not in self._near:
            index = self.positions[language]
            found = list(index.get(stem, ()))
            if len(stem) >= FUZZY_MIN_LETTERS:
                for other in index:
                    if (other != stem and other[0] == stem[0] and abs(len(other) - len(stem)) <= 2
                            and fuzz.ratio(stem, other, score_cutoff=FUZZY_CUTOFF)):
                        found.extend(index[other])
            self._near[key] = found
        return self._near[key]

    def has(self, term: str, language: str, *, foreign: bool = False) -> bool:
        """Whether the answer holds ``term``. A ``foreign`` term (the other language's) needs stems of 4+ letters:
        shorter ones collide across languages (Portuguese "dono" and English "done" share the stem "don")."""
        words = _term(term, language)
        if foreign and any(len(w) < 4 for w in words):
            return False
        if not words:  # a term of symbols only, such as "=="
            return _fold(term.casefold()) in self.folded
        places = [self.where(w, language) for w in words]
        if any(not p for p in places):
            return False
        if len(places) == 1:
            return True
        window = len(words) + TERM_SLACK
        anchor = min(places, key=len)
        return any(all(any(abs(p - a) <= window for p in ps) for ps in places) for a in anchor)


def grade(answer: str, question: Question, language: str) -> Grade:
    """Which of the question's key points (in ``language``) the answer covers.

    A term made only of words from the question's own prompt does not count: repeating the question ("canary and
    blue-green differ") shows nothing, and a wrong answer names the same things."""
    side = question.text(language)
    if side is None or not side.key_points:
        return Grade(())
    others = [lang for lang in question.languages if lang != language]
    parsed = _Answer.of(answer, [language, *others])
    results: list[PointResult] = []
    for index, point in enumerate(side.key_points):
        candidates = _candidates(question, language, index)
        matched = next(
            (term for term, lang in candidates if parsed.has(term, lang, foreign=lang != language)), None
        )
        results.append(PointResult(point.point, matched is not None, matched))
    return Grade(tuple(results))


def _candidates(question: Question, language: str, index: int) -> list[tuple[str, str]]:
    """Point ``index``'s terms in ``language``, then the same point's terms in the other languages, without the
    terms that only repeat the prompt."""
    found: list[tuple[str, str]] = []
    for lang in [language, *(lang for lang in question.languages if lang != language)]:
        side = question.text(lang)
        if side is None or index >= len(side.key_points):
            continue
        prompt = _prompt_stems(side.prompt, lang)
        for term in side.key_points[index].terms:
            words = _term(term, lang)
            if not words or not set(words) <= prompt:
                found.append((term, lang))
    return found


@lru_cache(maxsize=1024)
def _prompt_stems(prompt: str, language: str) -> frozenset[str]:
    return frozenset(stems(prompt, language))


def has_words(answer: str) -> bool:
    """Whether the answer has any letters or digits at all (not only emoji, punctuation or spaces)."""
    return any(ch.isalnum() for ch in answer)
