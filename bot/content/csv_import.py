"""``studybot content import FILE.csv --deck ID``: a spreadsheet into deck files, all or nothing."""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.content.loader import DECK_FILE, QUESTIONS_DIR, Problem, load_deck
from bot.content.schema import LANGUAGES, Question

REQUIRED_COLUMNS = ("id", "category", "difficulty", "language", "prompt", "assesses", "answer")
LETTERS = "abcde"
_QUIZ_COLUMN = re.compile(r"^q(\d+)_(question|[a-e]|correct|explanation)$")


class ImportFailed(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def _quiz_items(row: dict[str, str], rownum: int, name: str, problems: list[Problem]) -> list[dict]:
    numbers = sorted({int(m.group(1)) for c in row if (m := _QUIZ_COLUMN.match(c))})
    items = []
    for n in numbers:
        get = lambda key, n=n: (row.get(f"q{n}_{key}") or "").strip()  # noqa: E731
        if not get("question"):
            continue
        options = [get(letter) for letter in LETTERS if get(letter)]
        letter = get("correct").casefold()
        if len(letter) != 1 or letter not in LETTERS[: len(options)]:
            problems.append(
                Problem(
                    name,
                    f"row {rownum}, column q{n}_correct",
                    f"must be a letter from A to {LETTERS[len(options) - 1].upper() if options else 'A'}",
                )
            )
            continue
        items.append(
            {
                "id": f"q{n}",
                "question": get("question"),
                "options": options,
                "correct": LETTERS.index(letter),
                "explanation": get("explanation"),
            }
        )
    return items


def _column(loc: tuple, data: dict) -> str:
    """The CSV column behind a pydantic error location in a question dict."""
    if len(loc) >= 4 and loc[1] == "quiz" and isinstance(loc[2], int):
        item_id = data[loc[0]]["quiz"][loc[2]]["id"]
        field = {"options": "a", "question": "question", "correct": "correct", "explanation": "explanation"}
        return f"{item_id}_{field.get(str(loc[3]), str(loc[3]))}"
    if len(loc) >= 2 and loc[0] in LANGUAGES:
        return str(loc[1])
    return str(loc[0]) if loc else "?"


def sniff_delimiter(text: str) -> str:
    """The field separator of ``text``, from its header line: spreadsheets in Brazil (and much of Europe) write
    ``;`` since ``,`` is their decimal separator. Only the delimiter is taken from the sniffer; quoting stays
    the standard one (doubled quotes inside quoted cells)."""
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def read_csv(path: Path) -> tuple[dict[str, dict], list[Problem]]:
    """Questions (as dicts in the deck format) by id, and every problem found, with row and column."""
    name = path.name
    reader, problems = _open_csv(path)
    if reader is None:
        return {}, problems
    questions: dict[str, dict] = {}
    rows: dict[str, dict[str, int]] = {}  # question id -> {"first" or language: row number}
    for rownum, row in enumerate(reader, start=2):
        _add_row(questions, rows, row, rownum, name, problems)
    for qid, data in questions.items():
        problems += _validate(data, rows[qid], name)
    return questions, problems


def _open_csv(path: Path) -> tuple[csv.DictReader[str] | None, list[Problem]]:
    """A reader over the file's rows, or None and the problem when it cannot be read or lacks columns."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(path.name, "", f"cannot be read as UTF-8 text: {exc}")]
    reader = csv.DictReader(io.StringIO(text), delimiter=sniff_delimiter(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return None, [Problem(path.name, "header", f"missing columns: {', '.join(missing)}")]
    return reader, []


def _add_row(
    questions: dict[str, dict],
    rows: dict[str, dict[str, int]],
    row: dict[str, str],
    rownum: int,
    name: str,
    problems: list[Problem],
) -> None:
    """Add one language's row of a question: the first row of a question sets its shared columns, later rows
    must repeat them."""
    qid, lang = (row.get("id") or "").strip(), (row.get("language") or "").strip()
    if lang not in LANGUAGES:
        problems.append(Problem(name, f"row {rownum}, column language", f"must be {' or '.join(LANGUAGES)}"))
        return
    shared = {
        "category": (row.get("category") or "").strip(),
        "difficulty": (row.get("difficulty") or "").strip(),
        "tags": [t.strip() for t in (row.get("tags") or "").split(";") if t.strip()],
    }
    if qid in questions:
        problems += _shared_differences(questions[qid], shared, rownum, rows[qid]["first"], name)
    else:
        questions[qid] = {"id": qid, **shared}
        rows[qid] = {"first": rownum}
    if lang in questions[qid]:
        problems.append(Problem(name, f"row {rownum}, column language", f"question {qid!r} has two {lang} rows"))
        return
    rows[qid][lang] = rownum
    questions[qid][lang] = {
        "prompt": row.get("prompt") or "",
        "assesses": row.get("assesses") or "",
        "answer": row.get("answer") or "",
        "quiz": _quiz_items(row, rownum, name, problems),
    }


def _shared_differences(question: dict, shared: dict, rownum: int, first: int, name: str) -> list[Problem]:
    return [
        Problem(name, f"row {rownum}, column {column}", f"differs from row {first}, the question's first row")
        for column, value in shared.items()
        if question[column] != value
    ]


def _validate(data: dict, rows: dict[str, int], name: str) -> list[Problem]:
    """Schema problems of one question, each named by the row of the language it is in (else the first row)."""
    try:
        Question.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            rownum = rows.get(str(loc[0]), rows["first"]) if loc else rows["first"]
            message = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(name, f"row {rownum}, column {_column(loc, data)}", message))
        return problems
    return []


def import_csv(path: Path, deck_dir: Path) -> int:
    """Write the CSV's questions into ``deck_dir`` (creating the deck if new). Returns how many were written.
    Checks everything first, then the resulting deck as a whole; on any problem nothing is written."""
    questions, problems = read_csv(path)
    if problems:
        raise ImportFailed(problems)
    if not questions:
        raise ImportFailed([Problem(path.name, "", "no question rows")])
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / deck_dir.name
        if deck_dir.exists():
            shutil.copytree(deck_dir, staged)
        (staged / QUESTIONS_DIR).mkdir(parents=True, exist_ok=True)
        deck_file = staged / DECK_FILE
        info: dict[str, Any] = (
            yaml.safe_load(deck_file.read_text(encoding="utf-8"))
            if deck_file.exists()
            else {
                "id": deck_dir.name,
                "title": {"pt-BR": deck_dir.name, "en": deck_dir.name},
                "description": {"pt-BR": deck_dir.name, "en": deck_dir.name},
                "languages": sorted({lang for q in questions.values() for lang in LANGUAGES if lang in q}),
                "categories": {},
            }
        )
        for q in questions.values():
            info["categories"].setdefault(q["category"], {"pt-BR": q["category"], "en": q["category"]})
            q["difficulty"] = int(q["difficulty"])
            (staged / QUESTIONS_DIR / f"{q['id']}.yaml").write_text(
                yaml.safe_dump(q, allow_unicode=True, sort_keys=False, width=110), encoding="utf-8"
            )
        deck_file.write_text(yaml.safe_dump(info, allow_unicode=True, sort_keys=False), encoding="utf-8")
        _, deck_problems = load_deck(staged)
        if deck_problems:
            raise ImportFailed(deck_problems)
        deck_dir.parent.mkdir(parents=True, exist_ok=True)
        backup = None
        if deck_dir.exists():
            backup = deck_dir.with_name(deck_dir.name + ".import-backup")
            deck_dir.rename(backup)
        shutil.copytree(staged, deck_dir)
        if backup is not None:
            shutil.rmtree(backup)
    return len(questions)
