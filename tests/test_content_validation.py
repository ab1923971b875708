"""``studybot content validate|stats|import`` on real files in tmp dirs.

Every malformed deck is a copy of ``content/starter`` with one thing broken. The runs go through the Typer app
in-process (module fixtures run each group once and the tests read their own run's result); one validate run
and the stats run go through the real console script."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.content.loader import deck_folders, load_deck, packaged_content_dir
from tests.cli_runner import Run, invoke

STUDYBOT = Path(sys.executable).parent / "studybot"
REPO = Path(__file__).resolve().parents[1]
STARTER = REPO / "content" / "starter"
Q = "language-is-vs-equals"  # the question file the cases break
QREL = f"starter/questions/{Q}.yaml"  # how the validator names it


def studybot(*args: str | Path, cwd: Path) -> Run:
    """The real console script, with no STUDYBOT_* settings inherited and a wide, colourless terminal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_") and k != "DATABASE_URL"}
    env.update(COLUMNS="250", NO_COLOR="1", TERM="dumb")
    proc = subprocess.run(
        [str(STUDYBOT), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def run_all(jobs: dict[str, Callable[[], object]]) -> dict[str, object]:
    return {name: job() for name, job in jobs.items()}


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file and folder under root, with the bytes of each file (None for folders)."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


# ---------------------------------------------------------------------------------------------------------------
# validate: one broken starter deck per case


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: object) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _edit_question(change: Callable[[dict], None], name: str = Q) -> Callable[[Path], None]:
    def apply(deck: Path) -> None:
        path = deck / "questions" / f"{name}.yaml"
        data = _load(path)
        change(data)
        _dump(path, data)

    return apply


def _invalid_yaml(deck: Path) -> None:
    path = deck / "questions" / f"{Q}.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[1] == "category: language\n"
    lines[1] = "category: language: oops\n"  # line 2: "mapping values are not allowed here"
    path.write_text("".join(lines), encoding="utf-8")


def _not_a_mapping(deck: Path) -> None:
    (deck / "questions" / f"{Q}.yaml").write_text("- just\n- a list\n", encoding="utf-8")


def _typo_answr(data: dict) -> None:
    data["en"] = {("answr" if k == "answer" else k): v for k, v in data["en"].items()}


def _correct_out_of_range(data: dict) -> None:
    data["en"]["quiz"][1]["correct"] = 4  # four options: 0-3


def _duplicate_options(data: dict) -> None:
    options = data["pt-BR"]["quiz"][0]["options"]
    options[2] = "  " + options[0].upper() + " "  # same option, other case and spacing


def _quiz_ids_differ(data: dict) -> None:
    data["en"]["quiz"][0]["id"] = "lists-en"


def _duplicate_question_id(deck: Path) -> None:
    # a .yml beside the .yaml: same stem, so only the duplicate id is wrong
    shutil.copy(deck / "questions" / f"{Q}.yaml", deck / "questions" / f"{Q}.yml")


def _deck_id_not_folder(deck: Path) -> None:
    info = _load(deck / "deck.yaml")
    info["id"] = "python-basics"
    _dump(deck / "deck.yaml", info)


def _answer_too_long(data: dict) -> None:
    data["en"]["answer"] = "x" * 2801


def _function_word_term(data: dict) -> None:
    data["pt-BR"]["key_points"][1]["terms"].insert(0, "por que")


@dataclass(frozen=True)
class Case:
    breaks: Callable[[Path], None]
    lines: tuple[str, ...]  # each must start a reported problem ("FILE: FIELD...")
    words: tuple[str, ...] = ()  # and these must be in the same output
    problems: int = 1


CASES: dict[str, Case] = {
    "invalid-yaml": Case(_invalid_yaml, (f"{QREL}: line 2: not valid YAML",), ("mapping values",)),
    "not-a-mapping": Case(_not_a_mapping, (f"{QREL}: must be a YAML mapping",)),
    "unknown-key-answr": Case(
        _edit_question(_typo_answr),
        (f"{QREL}: en.answr: Extra inputs are not permitted", f"{QREL}: en.answer: Field required"),
        problems=2,
    ),
    "missing-language": Case(_edit_question(lambda d: d.pop("en")), (f"{QREL}: en: missing: the deck promises en",)),
    "correct-out-of-range": Case(
        _edit_question(_correct_out_of_range), (f"{QREL}: en.quiz[1].correct: is 4 but there are only 4 options",)
    ),
    "duplicate-options": Case(
        _edit_question(_duplicate_options), (f"{QREL}: pt-BR.quiz[0].options: options must be distinct",)
    ),
    "quiz-ids-differ": Case(
        _edit_question(_quiz_ids_differ),
        (f"{QREL}: en.quiz: quiz items must have the same ids, order and option counts in every language",),
    ),
    "difficulty-4": Case(
        _edit_question(lambda d: d.update(difficulty=4)),
        (f"{QREL}: difficulty: Input should be less than or equal to 3",),
    ),
    "unknown-category": Case(
        _edit_question(lambda d: d.update(category="networking")),
        (f"{QREL}: category: 'networking' is not in deck.yaml categories (language, tooling)",),
    ),
    "id-not-file-name": Case(
        _edit_question(lambda d: d.update(id="language-is-or-equals")),
        (f"{QREL}: id: is 'language-is-or-equals' but the file is named '{Q}.yaml'",),
    ),
    "duplicate-question-id": Case(
        _duplicate_question_id, (f"starter/questions/{Q}.yml: id: '{Q}' is used by another question",)
    ),
    "deck-id-not-folder": Case(
        _deck_id_not_folder, ("starter/deck.yaml: id: is 'python-basics' but the folder is 'starter'",)
    ),
    "function-word-term": Case(
        _edit_question(_function_word_term),
        (f"{QREL}: pt-BR.key_points[1].terms[0]: 'por que' is made only of function words",),
        ("never matches", "content word"),
    ),
    "answer-over-2800": Case(
        _edit_question(_answer_too_long), (f"{QREL}: en.answer: String should have at most 2800 characters",)
    ),
}


def _several_problems(deck: Path) -> None:
    _edit_question(lambda d: d.update(difficulty=4), "language-list-vs-tuple")(deck)
    _edit_question(_typo_answr, "tooling-pip-pinning")(deck)
    _edit_question(lambda d: d.update(category="networking"), "language-dict-ordering")(deck)
    _not_a_mapping(deck)


def _copy_starter(parent: Path) -> Path:
    parent.mkdir(parents=True)
    return Path(shutil.copytree(STARTER, parent / "starter"))


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Builds every broken deck, then runs ``studybot content validate DECK`` on each."""
    root = tmp_path_factory.mktemp("validate")
    jobs: dict[str, Callable[[], object]] = {}

    def add(name: str, build: Callable[[Path], None]) -> None:
        deck = _copy_starter(root / name)
        build(deck)
        jobs[name] = lambda: invoke("content", "validate", deck, cwd=root)

    for name, case in CASES.items():
        add(name, case.breaks)
    add("valid", lambda deck: None)
    add("several", _several_problems)
    add("missing-deck-yaml", lambda deck: (deck / "deck.yaml").unlink())

    # a folder of decks where one deck lost its deck.yaml
    orphan = Path(shutil.copytree(STARTER, root / "folder-of-decks" / "orphan"))
    (orphan / "deck.yaml").unlink()
    shutil.copytree(STARTER, root / "folder-of-decks" / "starter")
    jobs["folder-of-decks"] = lambda: invoke("content", "validate", root / "folder-of-decks", cwd=root)
    return run_all(jobs)


def _problem_lines(run: Run) -> list[str]:
    return [line.removeprefix("✗ ") for line in run.stdout.splitlines() if line.startswith("✗ ")]


@pytest.mark.parametrize("name", list(CASES))
def test_validate_reports_file_and_field(validated: dict[str, Run], name: str) -> None:
    case, run = CASES[name], validated[name]
    assert run.code == 1, run.output
    reported = _problem_lines(run)
    for expected in case.lines:
        assert any(line.startswith(expected) for line in reported), f"{expected!r} not in:\n{run.output}"
    for word in case.words:
        assert word in run.stdout
    assert len(reported) == case.problems, run.output
    assert f"{case.problems} problem(s)" in run.stdout
    assert "Traceback" not in run.output


def test_valid_deck_passes(validated: dict[str, Run]) -> None:
    run = validated["valid"]
    assert run.code == 0, run.output
    assert "✓ starter: 10 questions" in run.stdout
    assert _problem_lines(run) == []


def test_validate_through_the_console_script(tmp_path: Path) -> None:
    """The installed entry point: exit codes and streams as a shell sees them."""
    bad = _copy_starter(tmp_path / "bad")
    _edit_question(_typo_answr)(bad)
    failed = studybot("content", "validate", bad, cwd=tmp_path)
    assert failed.code == 1 and failed.stderr == "", failed.output
    assert _problem_lines(failed) == [
        f"{QREL}: en.answer: Field required",
        f"{QREL}: en.answr: Extra inputs are not permitted",
    ]
    assert "2 problem(s)" in failed.stdout


def test_several_problems_are_all_reported(validated: dict[str, Run]) -> None:
    run = validated["several"]
    assert run.code == 1
    reported = _problem_lines(run)
    expected = [
        "starter/questions/language-dict-ordering.yaml: category: 'networking' is not in deck.yaml categories",
        f"{QREL}: must be a YAML mapping",
        "starter/questions/language-list-vs-tuple.yaml: difficulty: Input should be less than or equal to 3",
        "starter/questions/tooling-pip-pinning.yaml: en.answer: Field required",
        "starter/questions/tooling-pip-pinning.yaml: en.answr: Extra inputs are not permitted",
    ]
    for prefix in expected:
        assert any(line.startswith(prefix) for line in reported), f"{prefix!r} not in:\n{run.output}"
    assert len(reported) == 5
    assert "5 problem(s)" in run.stdout


def test_missing_deck_yaml_is_reported_as_a_problem(validated: dict[str, Run]) -> None:
    run = validated["missing-deck-yaml"]
    assert "starter/deck.yaml" in run.output, run.output
    assert run.code == 1


def test_missing_deck_yaml_in_a_folder_of_decks_is_not_silently_skipped(validated: dict[str, Run]) -> None:
    run = validated["folder-of-decks"]
    assert run.code == 1, run.output
    assert "orphan/deck.yaml" in run.output


def test_answer_limit_is_2800_characters_exactly(tmp_path: Path) -> None:
    """In-process boundary check (the CLI case above covers 2,801): 2,800 characters are accepted."""
    deck = _copy_starter(tmp_path / "limit")
    _edit_question(lambda d: d["en"].update(answer="y" * 2800))(deck)
    loaded, problems = load_deck(deck)
    assert problems == []
    assert loaded is not None and len(loaded.questions[Q].en.answer) == 2800


# ---------------------------------------------------------------------------------------------------------------
# stats


def test_stats_prints_each_shipped_deck_per_language(tmp_path: Path) -> None:
    run = studybot("content", "stats", cwd=tmp_path)
    assert run.code == 0, run.output
    rows = {}
    for line in run.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == 5 and cells[3].isdigit():
            rows[tuple(cells[:3])] = (int(cells[3]), int(cells[4]))
    shipped = deck_folders(packaged_content_dir())
    assert {folder.name for folder in shipped} >= {"mlops-interview", "starter"}
    expected = {}
    for folder in shipped:
        deck, problems = load_deck(folder)
        assert deck is not None, problems
        for lang in deck.info.languages:
            total_q = total_i = 0
            for category in deck.info.categories:
                sides = [q.text(lang) for q in deck.questions.values() if q.category == category and q.text(lang)]
                n_q, n_i = len(sides), sum(len(s.quiz) for s in sides)
                expected[(deck.id, lang, category)] = (n_q, n_i)
                total_q, total_i = total_q + n_q, total_i + n_i
            expected[(deck.id, lang, "all")] = (total_q, total_i)
    assert rows == expected
    assert rows[("mlops-interview", "pt-BR", "all")][0] == rows[("mlops-interview", "en", "all")][0] == 36
    assert rows[("starter", "en", "all")][0] == 10


# ---------------------------------------------------------------------------------------------------------------
# import

HEADER = [
    "id", "category", "difficulty", "tags", "language", "prompt", "assesses", "answer",
    "q1_question", "q1_a", "q1_b", "q1_c", "q1_d", "q1_correct", "q1_explanation",
]  # fmt: skip


def _rows() -> list[dict[str, str]]:
    """Two questions, both languages: rows 2-3 are csv-first, rows 4-5 are csv-second (row 1 is the header)."""
    rows = []
    for qid, category, difficulty, correct in (
        ("csv-first", "language", "1", "B"),
        ("csv-second", "tooling", "3", "D"),
    ):
        for lang, word in (("pt-BR", "Resposta"), ("en", "Answer")):
            rows.append(
                {
                    "id": qid,
                    "category": category,
                    "difficulty": difficulty,
                    "tags": "alpha; beta;",
                    "language": lang,
                    "prompt": f"{qid} {lang}?",
                    "assesses": f"What {qid} assesses ({lang}).",
                    "answer": f'{word} for {qid}:\n- **one**, line 1\n- two, "quoted", line 2',
                    "q1_question": f"Pick {correct} ({lang})",
                    "q1_a": f"A {lang}",
                    "q1_b": f"B {lang}",
                    "q1_c": f"C {lang}",
                    "q1_d": f"D {lang}",
                    "q1_correct": correct,
                    "q1_explanation": f"Because {correct} ({lang}).",
                }
            )
    return rows


def _write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _bad_letter(rows: list[dict[str, str]]) -> None:
    rows[2]["q1_correct"] = "F"


def _unknown_language(rows: list[dict[str, str]]) -> None:
    rows[2]["language"] = "es"


def _difficulty_7(rows: list[dict[str, str]]) -> None:
    rows[2]["difficulty"] = "7"


# name -> (how the rows are broken, header, what the message must contain: the row and the column)
BAD_CSVS: dict[str, tuple[Callable[[list], None], list[str], tuple[str, ...]]] = {
    "bad-correct-letter": (_bad_letter, HEADER, ("bad.csv: row 4, column q1_correct: must be a letter from A to D",)),
    "missing-column": (lambda rows: None, [c for c in HEADER if c != "answer"], ("bad.csv: header:", "answer")),
    "unknown-language": (_unknown_language, HEADER, ("bad.csv: row 4, column language: must be pt-BR or en",)),
    "difficulty-7": (_difficulty_7, HEADER, ("bad.csv", "difficulty")),
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Every import scenario, each in its own folder, run together."""
    root = tmp_path_factory.mktemp("import")
    jobs: dict[str, Callable[[], object]] = {}

    def scenario(name: str, rows: list[dict], header: list[str], deck: str, existing: bool) -> None:
        base = root / name
        content = base / "content"
        content.mkdir(parents=True)
        shutil.copytree(STARTER, content / "starter")  # always there: an existing deck, or a bystander
        (content / "notes.txt").write_text("not a deck\n", encoding="utf-8")
        csv_file = _write_csv(base / ("good.csv" if name.startswith("good") else "bad.csv"), rows, header)
        target = "starter" if existing else deck

        def job() -> dict[str, object]:
            before = snapshot(content)
            run = invoke("content", "import", csv_file, "--deck", target, "--content-dir", content, cwd=base)
            after = snapshot(content)
            check = invoke("content", "validate", content / target, cwd=base) if run.code == 0 else None
            return {"run": run, "before": before, "after": after, "validate": check, "deck": content / target}

        jobs[name] = job

    scenario("good-new", _rows(), HEADER, "my-deck", existing=False)
    scenario("good-existing", _rows(), HEADER, "starter", existing=True)
    for name, (breaks, header, _) in BAD_CSVS.items():
        for existing in (False, True):
            rows = _rows()
            breaks(rows)
            scenario(f"{name}-{'existing' if existing else 'new'}", rows, header, "my-deck", existing)
    rows = _rows()
    rows[3]["difficulty"] = "7"  # row 5: the en row of csv-second, whose pt-BR row says 3
    scenario("difficulty-7-second-row", rows, HEADER, "my-deck", existing=False)

    base = root / "cli-errors"
    (base / "content").mkdir(parents=True)
    good = _write_csv(base / "good.csv", _rows())
    jobs["no-such-file"] = lambda: invoke(
        "content", "import", base / "missing.csv", "--deck", "my-deck", "--content-dir", base / "content", cwd=base
    )
    jobs["bad-deck-id"] = lambda: invoke(
        "content", "import", good, "--deck", "My Deck!", "--content-dir", base / "content", cwd=base
    )
    jobs["path-deck-id"] = lambda: invoke(
        "content", "import", good, "--deck", "../escape", "--content-dir", base / "content", cwd=base
    )
    results = run_all(jobs)
    results["cli-errors-dir"] = base
    return results


@pytest.mark.parametrize("name", ["good-new", "good-existing"])
def test_import_good_csv_creates_a_deck_that_validates_and_loads(imported: dict, name: str) -> None:
    result = imported[name]
    run: Run = result["run"]
    assert run.code == 0, run.output
    assert "imported 2 question(s)" in run.stdout
    check: Run = result["validate"]
    assert check.code == 0, check.output
    deck, problems = load_deck(result["deck"])
    assert problems == [] and deck is not None
    assert {"csv-first", "csv-second"} <= set(deck.questions)
    first, second = deck.questions["csv-first"], deck.questions["csv-second"]
    assert (first.category, first.difficulty, second.category, second.difficulty) == ("language", 1, "tooling", 3)
    assert first.tags == ["alpha", "beta"]
    for lang in ("pt-BR", "en"):
        side = second.text(lang)
        assert side is not None
        assert side.prompt == f"csv-second {lang}?"
        assert side.answer.endswith('- two, "quoted", line 2')  # line breaks and quotes survive
        assert "\n- **one**, line 1\n" in side.answer
        (item,) = side.quiz
        assert item.options == [f"{x} {lang}" for x in "ABCD"]
        assert item.correct == 3  # "D"
        assert item.explanation == f"Because D ({lang})."
        assert first.text(lang).quiz[0].correct == 1  # "B"
    if name == "good-existing":
        assert len(deck.questions) == 12
        # only the two new question files were added; every other file is untouched, except that deck.yaml is
        # written again (same content: both categories existed already)
        added = {k for k in result["after"] if k not in result["before"]}
        assert added == {"starter/questions/csv-first.yaml", "starter/questions/csv-second.yaml"}
        changed = {k for k in result["before"] if result["before"][k] != result["after"].get(k)}
        assert changed <= {"starter/deck.yaml"}
        before_info, after_info = (yaml.safe_load(r["starter/deck.yaml"]) for r in (result["before"], result["after"]))
        assert after_info == before_info
    else:
        assert sorted(deck.info.categories) == ["language", "tooling"]
        assert set(deck.info.languages) == {"pt-BR", "en"}


@pytest.mark.parametrize("where", ["new", "existing"])
@pytest.mark.parametrize("kind", list(BAD_CSVS))
def test_import_bad_csv_writes_nothing_and_names_the_problem(imported: dict, kind: str, where: str) -> None:
    result = imported[f"{kind}-{where}"]
    run: Run = result["run"]
    assert run.code == 1, run.output
    for expected in BAD_CSVS[kind][2]:
        assert expected in run.stderr, run.output
    assert "nothing was written" in run.stderr
    assert "Traceback" not in run.output
    assert result["after"] == result["before"]  # byte for byte, and no new file or folder


def test_import_difficulty_problem_names_its_row(imported: dict) -> None:
    run: Run = imported["difficulty-7-new"]["run"]
    assert "row 4" in run.stderr, run.stderr


def test_import_difficulty_7_on_second_language_row_is_rejected(imported: dict) -> None:
    result = imported["difficulty-7-second-row"]
    run: Run = result["run"]
    assert run.code == 1, run.output
    assert "row 5" in run.stderr and "difficulty" in run.stderr
    assert result["after"] == result["before"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no-such-file", "missing.csv is not a file"),
        ("bad-deck-id", "'My Deck!' is not a deck id"),
        ("path-deck-id", "'../escape' is not a deck id"),
    ],
)
def test_import_cli_errors_exit_2_with_a_clear_message(imported: dict, name: str, message: str) -> None:
    run: Run = imported[name]
    assert run.code == 2, run.output
    assert message in run.stderr
    assert "example: studybot content import" in run.stderr
    assert "Traceback" not in run.output
    assert list((imported["cli-errors-dir"] / "content").iterdir()) == []
    assert not (imported["cli-errors-dir"] / "escape").exists()
