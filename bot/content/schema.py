"""The deck format, as pydantic models. content/README.md documents it for authors."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator

LANGUAGES: tuple[str, ...] = ("pt-BR", "en")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,79}$"
QUIZ_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,19}$"

#: Longest model answer accepted, in characters of Markdown. Rendering for Slack (3,000 per section)
#: and Discord (4,096 per embed description) adds little, and longer texts are split anyway.
MAX_ANSWER_CHARS = 2800

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _strict() -> ConfigDict:
    return ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class QuizItem(BaseModel):
    """A multiple-choice item: options shown as A, B, C, ...; ``correct`` is the zero-based index."""

    model_config = _strict()

    id: Annotated[str, StringConstraints(pattern=QUIZ_ID_PATTERN)]
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
    options: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=250)]] = Field(
        min_length=2, max_length=5
    )
    correct: int = Field(ge=0)
    explanation: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]

    @field_validator("options")
    @classmethod
    def _distinct(cls, options: list[str]) -> list[str]:
        folded = [re.sub(r"\s+", " ", o).casefold() for o in options]
        if len(set(folded)) != len(folded):
            raise ValueError("options must be distinct")
        return options

    @field_validator("correct")
    @classmethod
    def _correct_in_range(cls, correct: int, info: ValidationInfo) -> int:
        options = info.data.get("options")
        if options is not None and correct >= len(options):
            raise ValueError(
                f"is {correct} but there are only {len(options)} options (0-based: 0 to {len(options) - 1})"
            )
        return correct


#: How many key points a language side may list when it lists any (free-text answers are graded on them).
MIN_KEY_POINTS, MAX_KEY_POINTS = 3, 7


class KeyPoint(BaseModel):
    """A point a good spoken answer makes: a short statement (shown as the hint when missed) and the terms or
    phrasings that show it. Any one term found in the answer covers the point."""

    model_config = _strict()

    point: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=160)]
    terms: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]] = Field(
        min_length=1, max_length=20
    )

    @field_validator("terms")
    @classmethod
    def _unique_terms(cls, terms: list[str]) -> list[str]:
        if len({t.casefold() for t in terms}) != len(terms):
            raise ValueError("terms must be unique within a key point")
        return terms


class QuestionText(BaseModel):
    """One language's side of a question."""

    model_config = _strict()

    prompt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    assesses: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    key_points: list[KeyPoint] = Field(default_factory=list)
    answer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ANSWER_CHARS)]
    quiz: list[QuizItem] = Field(default_factory=list)

    @field_validator("quiz")
    @classmethod
    def _unique_quiz_ids(cls, quiz: list[QuizItem]) -> list[QuizItem]:
        ids = [item.id for item in quiz]
        if len(set(ids)) != len(ids):
            raise ValueError("quiz item ids must be unique within a question")
        return quiz

    @field_validator("key_points")
    @classmethod
    def _key_point_count(cls, points: list[KeyPoint]) -> list[KeyPoint]:
        if points and not MIN_KEY_POINTS <= len(points) <= MAX_KEY_POINTS:
            raise ValueError(f"has {len(points)} key points; list {MIN_KEY_POINTS} to {MAX_KEY_POINTS} (or none)")
        return points


class Question(BaseModel):
    """A question with every language side by side (keys ``pt-BR`` and ``en``)."""

    model_config = _strict()

    id: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    category: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    difficulty: int = Field(ge=1, le=3)
    tags: list[Text] = Field(default_factory=list)
    pt_br: QuestionText | None = Field(default=None, alias="pt-BR")
    en: QuestionText | None = None

    @field_validator("tags")
    @classmethod
    def _unique_tags(cls, tags: list[str]) -> list[str]:
        if len({t.casefold() for t in tags}) != len(tags):
            raise ValueError("tags must be unique")
        return tags

    @model_validator(mode="after")
    def _some_language(self) -> Question:
        if self.pt_br is None and self.en is None:
            raise ValueError("a question needs at least one language (pt-BR or en)")
        return self

    def quiz_misalignment(self) -> str | None:
        """The first language whose quiz items differ (ids, order, option counts) from the first language's."""
        sides = [(lang, self.text(lang)) for lang in self.languages]
        shapes = [(lang, tuple((q.id, len(q.options)) for q in side.quiz)) for lang, side in sides if side]
        for lang, shape in shapes[1:]:
            if shape != shapes[0][1]:
                return lang
        return None

    def key_point_misalignment(self) -> str | None:
        """The first language whose key point count differs from the first language's (points are parallel, so
        a term from either language can cover the same point in an answer that mixes both)."""
        sides = [(lang, self.text(lang)) for lang in self.languages]
        counts = [(lang, len(side.key_points)) for lang, side in sides if side]
        for lang, count in counts[1:]:
            if count != counts[0][1]:
                return lang
        return None

    def text(self, language: str) -> QuestionText | None:
        return self.pt_br if language == "pt-BR" else self.en if language == "en" else None

    @property
    def languages(self) -> list[str]:
        return [lang for lang in LANGUAGES if self.text(lang) is not None]


class CategoryLabels(BaseModel):
    model_config = _strict()

    pt_br: Text = Field(alias="pt-BR")
    en: Text


class DeckInfo(BaseModel):
    """``deck.yaml``: what the deck is, its languages and its categories (ids with labels)."""

    model_config = _strict()

    id: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    title: CategoryLabels
    description: CategoryLabels
    languages: list[str] = Field(min_length=1)
    categories: dict[str, CategoryLabels] = Field(min_length=1)

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, languages: list[str]) -> list[str]:
        unknown = [lang for lang in languages if lang not in LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r}; use {' or '.join(LANGUAGES)}")
        if len(set(languages)) != len(languages):
            raise ValueError("languages must be unique")
        return languages

    @field_validator("categories")
    @classmethod
    def _category_ids(cls, categories: dict[str, CategoryLabels]) -> dict[str, CategoryLabels]:
        for key in categories:
            if not re.match(ID_PATTERN, key):
                raise ValueError(f"category id {key!r} must be lower-case letters, digits and dashes")
        return categories
