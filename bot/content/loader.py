"""Reads decks from folders of YAML files and reports every problem with its file and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.content.schema import DeckInfo, Question, QuestionText
from bot.rules import grading
from bot.storage.ids import present

#: libyaml's safe loader when PyYAML was built with it: the same documents, ten times faster than pure Python
#: (every command that starts the bot reads the decks).
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ModelT = TypeVar("ModelT", bound=BaseModel)

DECK_FILE = "deck.yaml"
QUESTIONS_DIR = "questions"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a deck file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


@dataclass
class Deck:
    info: DeckInfo
    questions: dict[str, Question]
    path: Path

    @property
    def id(self) -> str:
        return self.info.id

    def question_ids(self, language: str, categories: Iterable[str] = ()) -> list[str]:
        """Ids of the questions available in ``language``, optionally only from ``categories``, sorted."""
        wanted = set(categories)
        return sorted(
            qid
            for qid, q in self.questions.items()
            if q.text(language) is not None and (not wanted or q.category in wanted)
        )

    def category_label(self, category: str, language: str) -> str:
        labels = self.info.categories.get(category)
        if labels is None:
            return category
        return labels.pt_br if language == "pt-BR" else labels.en

    def title(self, language: str) -> str:
        return self.info.title.pt_br if language == "pt-BR" else self.info.title.en


@dataclass
class Catalog:
    """Every deck the bot knows, by id."""

    decks: dict[str, Deck] = field(default_factory=dict)

    def get(self, deck_id: str) -> Deck | None:
        return self.decks.get(deck_id)

    def languages(self, deck_id: str) -> list[str]:
        """The languages of a deck ([] for an unknown deck)."""
        deck = self.decks.get(deck_id)
        return list(deck.info.languages) if deck else []

    def text(self, deck_id: str, question_id: str, language: str) -> tuple[Question, QuestionText] | None:
        deck = self.decks.get(deck_id)
        question = deck.questions.get(question_id) if deck else None
        if question is None:
            return None
        side = present(question.text(language) or question.text(question.languages[0]), f"text of {question_id}")
        return question, side


class DeckError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def packaged_content_dir() -> Path:
    """The folder of decks shipped with studybot (``content/`` in the repository)."""
    return Path(str(resources.files("content")))


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _read_yaml(path: Path, root: Path, problems: list[Problem]) -> object | None:
    rel = _relative(path, root)
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problems.append(Problem(rel, where, f"not valid YAML: {getattr(exc, 'problem', exc)}"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(rel, "", f"cannot be read: {exc}"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(rel, "", "must be a YAML mapping (key: value lines)"))
        return None
    return data


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _validation_problems(rel: str, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        problems.append(Problem(rel, _field_path(tuple(err["loc"])), msg))
    return problems


def load_deck(path: Path) -> tuple[Deck | None, list[Problem]]:
    """Load one deck folder. Returns the deck (None if its deck.yaml is unusable) and every problem found."""
    deck_file = path / DECK_FILE
    if not deck_file.is_file():
        return None, [Problem(_relative(deck_file, path), "", "missing: every deck folder needs a deck.yaml")]
    problems: list[Problem] = []
    info = _load_info(deck_file, path, problems)
    questions: dict[str, Question] = {}
    qdir = path / QUESTIONS_DIR
    files = sorted(qdir.glob("*.y*ml")) if qdir.is_dir() else []
    if not files:
        problems.append(Problem(_relative(qdir, path), "", "no question files (questions/*.yaml)"))
    for qfile in files:
        question = _load_question(qfile, path, problems)
        if question is None:
            continue
        if question.id in questions:
            problems.append(Problem(_relative(qfile, path), "id", f"{question.id!r} is used by another question"))
            continue
        if info is not None:
            problems += _against_deck(question, info, _relative(qfile, path))
        questions[question.id] = question
    if info is None or problems:
        return None, problems
    return Deck(info, questions, path), []


def _validated(model: type[ModelT], file: Path, path: Path, problems: list[Problem]) -> ModelT | None:
    """``file`` read as YAML and validated as ``model``; None, with the problems recorded, when it is not one."""
    raw = _read_yaml(file, path, problems)
    if raw is None:
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_validation_problems(_relative(file, path), exc))
        return None


def _load_info(deck_file: Path, path: Path, problems: list[Problem]) -> DeckInfo | None:
    info = _validated(DeckInfo, deck_file, path, problems)
    if info is None:
        return None
    if info.id != path.name:
        problems.append(Problem(_relative(deck_file, path), "id", f"is {info.id!r} but the folder is {path.name!r}"))
    return info


def _load_question(qfile: Path, path: Path, problems: list[Problem]) -> Question | None:
    """One question file against the schema (its quiz aligned across languages, its file named by its id)."""
    rel = _relative(qfile, path)
    question = _validated(Question, qfile, path, problems)
    if question is None:
        return None
    misaligned = question.quiz_misalignment()
    if misaligned is not None:
        problems.append(
            Problem(
                rel,
                f"{misaligned}.quiz",
                "quiz items must have the same ids, order and option counts in "
                f"every language (compare with {question.languages[0]})",
            )
        )
    if question.key_point_misalignment() is not None:
        problems.append(
            Problem(
                rel,
                f"{question.key_point_misalignment()}.key_points",
                "every language must list the same number of key points, in the same order "
                f"(compare with {question.languages[0]})",
            )
        )
    problems += _unmatchable_terms(question, rel)
    if qfile.stem != question.id:
        problems.append(Problem(rel, "id", f"is {question.id!r} but the file is named {qfile.name!r}"))
    return question


def _unmatchable_terms(question: Question, rel: str) -> list[Problem]:
    """Key-point terms the grader could never find in an answer: those made only of function words."""
    problems = []
    for language in question.languages:
        side = question.text(language)
        for p, point in enumerate(side.key_points if side else []):
            for t, term in enumerate(point.terms):
                if grading.only_function_words(term, language):
                    problems.append(Problem(
                        rel,
                        f"{language}.key_points[{p}].terms[{t}]",
                        f"{term!r} is made only of function words, which answers are graded without, so it never "
                        "matches: name what it shows with a content word (e.g. 'went from' or 'reduced', not "
                        "'from')",
                    ))
    return problems


def _against_deck(question: Question, info: DeckInfo, rel: str) -> list[Problem]:
    """What a question breaks of its deck.yaml: an unknown category, a promised language missing, an extra one."""
    problems = []
    if question.category not in info.categories:
        known = ", ".join(sorted(info.categories))
        problems.append(Problem(rel, "category", f"{question.category!r} is not in deck.yaml categories ({known})"))
    problems += [
        Problem(rel, lang, f"missing: the deck promises {lang}")
        for lang in info.languages
        if question.text(lang) is None
    ]
    problems += [
        Problem(rel, lang, "this language is not in deck.yaml languages")
        for lang in question.languages
        if lang not in info.languages
    ]
    return problems


def _looks_like_deck(folder: Path) -> bool:
    return (folder / DECK_FILE).is_file() or (folder / QUESTIONS_DIR).is_dir()


def deck_folders(root: Path) -> list[Path]:
    """Deck folders under ``root`` (``root`` itself when it is one deck). A folder with a ``questions/`` folder
    counts even without its ``deck.yaml``, so that a lost ``deck.yaml`` is reported rather than skipped."""
    if _looks_like_deck(root):
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and _looks_like_deck(p))


def load_catalog(roots: Iterable[Path]) -> Catalog:
    """Load every deck under ``roots``. Raises DeckError listing every problem if any deck is invalid."""
    catalog = Catalog()
    problems: list[Problem] = []
    for root in roots:
        for folder in deck_folders(root):
            deck, found = load_deck(folder)
            problems.extend(found)
            if deck is not None:
                if deck.id in catalog.decks:
                    problems.append(Problem(str(folder), "id", f"deck {deck.id!r} is defined twice"))
                catalog.decks[deck.id] = deck
    if problems:
        raise DeckError(problems)
    return catalog
