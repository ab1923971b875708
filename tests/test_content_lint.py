"""Quiz-quality rules (``bot.content.lint``): each rule fails on a bad deck and passes on a good one, and the CLI
(``studybot content lint``, ``validate --strict``) turns findings into warnings or errors.

Decks are written as real YAML files in tmp dirs and loaded with the real loader."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.content import lint
from bot.content.loader import Deck, load_deck

STUDYBOT = Path(sys.executable).parent / "studybot"


def item(question: str, options: list[str], correct: int, item_id: str = "q1", explanation: str = "Why.") -> dict:
    return {"id": item_id, "question": question, "options": options, "correct": correct, "explanation": explanation}


def write_deck(root: Path, questions: dict[str, dict[str, list[dict]]], name: str = "demo") -> Path:
    """A deck folder with one question per entry: {question id: {language: [items]}}."""
    folder = root / name
    (folder / "questions").mkdir(parents=True)
    deck = {
        "id": name,
        "title": {"pt-BR": "Demo", "en": "Demo"},
        "description": {"pt-BR": "Demo", "en": "Demo"},
        "languages": ["pt-BR", "en"],
        "categories": {"basics": {"pt-BR": "Base", "en": "Basics"}},
    }
    (folder / "deck.yaml").write_text(yaml.safe_dump(deck, allow_unicode=True), encoding="utf-8")
    for qid, sides in questions.items():
        data: dict = {"id": qid, "category": "basics", "difficulty": 1}
        for lang in ("pt-BR", "en"):
            items = sides.get(lang, sides["en"])
            data[lang] = {"prompt": "P?", "assesses": "A.", "answer": "Answer.", "quiz": items}
        (folder / "questions" / f"{qid}.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return folder


def load(folder: Path) -> Deck:
    deck, problems = load_deck(folder)
    assert deck is not None and problems == [], problems
    return deck


def rules(deck: Deck) -> dict[str, list[lint.Finding]]:
    out: dict[str, list[lint.Finding]] = {}
    for finding in lint.lint_deck(deck):
        out.setdefault(finding.rule, []).append(finding)
    return out


BALANCED = [
    ("Which store keeps the training features for serving?", ["A feature store.", "A model registry.",
                                                               "An experiment tracker.", "A data catalogue."], 0),
    ("Which tool records runs, params and metrics?", ["A feature store.", "An experiment tracker.",
                                                       "A model registry.", "A data catalogue."], 1),
    ("Which place holds approved model versions?", ["A feature store.", "A data catalogue.",
                                                     "A model registry.", "An experiment tracker."], 2),
    ("Which index lists the datasets and owners?", ["A feature store.", "A model registry.",
                                                     "An experiment tracker.", "A data catalogue."], 3),
]


def balanced_deck(root: Path) -> Path:
    return write_deck(root, {f"q{i}": {"en": [item(q, o, c)]} for i, (q, o, c) in enumerate(BALANCED)})


# ---------------------------------------------------------------------------------------------------------------
# one failing and one passing example per rule


def test_a_balanced_deck_has_no_findings(tmp_path: Path) -> None:
    assert lint.lint_deck(load(balanced_deck(tmp_path))) == []


def test_length_cue_fails_when_the_correct_option_is_the_long_one(tmp_path: Path) -> None:
    long = "Compare recent input distributions with the training ones and alert on drift."
    folder = write_deck(tmp_path, {
        f"q{i}": {"en": [item(f"Scenario number {i} about label delay?", ["Retrain.", long, "Wait.", "Scale."], 1)]}
        for i in range(4)
    })
    found = rules(load(folder))["length-cue"]
    messages = " | ".join(str(f) for f in found)
    assert "the correct option is the longest in 4 of 4 items (100%)" in messages
    assert "keep it between 0.9 and 1.15" in messages
    assert any(f.field == "en.quiz[0]" and "as long as the distractors" in f.message for f in found)


def test_length_cue_passes_when_lengths_give_nothing_away(tmp_path: Path) -> None:
    assert "length-cue" not in rules(load(balanced_deck(tmp_path)))


def test_length_measures() -> None:
    from bot.content.schema import QuizItem

    quiz_item = QuizItem(id="x", question="Q?", options=["aaaa", "bb", "cccccc"], correct=0, explanation="E.")
    assert lint.length_ratio(quiz_item) == 4 / 4
    assert not lint.correct_is_longest(quiz_item)
    assert lint.correct_is_longest(quiz_item.model_copy(update={"options": ["aaaaaaa", "bb", "cccccc"]}))


def test_answer_position_fails_when_one_letter_holds_most_answers(tmp_path: Path) -> None:
    opts = ["A feature store.", "A model registry.", "An experiment tracker.", "A data catalogue."]
    folder = write_deck(tmp_path, {f"q{i}": {"en": [item(f"Question {i}?", opts, 1)]} for i in range(8)})
    found = rules(load(folder))["answer-position"]
    assert [f.field for f in found] == ["pt-BR", "en"]
    assert "option B is the correct one in 8 of 8 items, chance would give about 2" in found[1].message


def test_answer_position_passes_when_answers_are_spread(tmp_path: Path) -> None:
    folder = write_deck(tmp_path, {
        f"q{i}": {"en": [item(q, o, c)]} for i, (q, o, c) in enumerate(BALANCED + BALANCED)
    })
    assert "answer-position" not in rules(load(folder))


def test_answer_position_needs_a_minimum_of_items(tmp_path: Path) -> None:
    opts = ["A feature store.", "A model registry.", "An experiment tracker.", "A data catalogue."]
    folder = write_deck(tmp_path, {f"q{i}": {"en": [item(f"Question {i}?", opts, 1)]} for i in range(7)})
    assert "answer-position" not in rules(load(folder))


def test_duplicate_options_fails_on_a_reworded_option(tmp_path: Path) -> None:
    folder = balanced_deck(tmp_path)
    path = folder / "questions" / "q0.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["en"]["quiz"][0]["options"] = ["A feature store.", "Retrain the model on fresh data.",
                                        "Retrain on the fresh data the model.", "A data catalogue."]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    found = [f for f in rules(load(folder))["duplicate-options"] if f.field.startswith("en.")]
    assert len(found) == 1
    assert found[0].field == "en.quiz[0].options" and found[0].message.startswith("B and C say the same thing")


def test_duplicate_options_passes_on_code_minimal_pairs(tmp_path: Path) -> None:
    folder = write_deck(tmp_path, {"q0": {"en": [item("What does it print?", ["`3` and `0`", "`0` and `3`",
                                                                                "`3` and `3`"], 0)]}})
    assert "duplicate-options" not in rules(load(folder))


SCENARIO_A = "Fraud labels arrive sixty days after each prediction. Which check can flag a problem before they arrive?"
SCENARIO_B = "Labels for the fraud model arrive sixty days after prediction. Which check flags a problem before then?"
ANSWER = "Compare recent input distributions with the training ones."


def test_near_duplicate_items_fails_when_a_scenario_repeats(tmp_path: Path) -> None:
    folder = write_deck(tmp_path, {
        "basics-a": {"en": [item(SCENARIO_A, [ANSWER, "Recompute accuracy daily.", "Check CPU usage."], 0)]},
        "technical-b": {"en": [item(SCENARIO_B, ["Check CPU usage.", ANSWER, "Recompute accuracy daily."], 1)]},
    })
    found = rules(load(folder))["near-duplicate-items"]
    assert {f.file for f in found} == {"demo/questions/technical-b.yaml"}
    assert "repeats the scenario of basics-a#q1" in found[0].message


def test_near_duplicate_items_passes_on_distinct_scenarios(tmp_path: Path) -> None:
    other = "A nightly retraining job must stop when the new data has a broken schema. Where does that check go?"
    folder = write_deck(tmp_path, {
        "basics-a": {"en": [item(SCENARIO_A, [ANSWER, "Recompute accuracy daily.", "Check CPU usage."], 0)]},
        "technical-b": {"en": [item(other, ["Validate the data before training.", "After deployment.",
                                            "In the dashboard."], 0)]},
    })
    assert "near-duplicate-items" not in rules(load(folder))


def test_absolute_words_fail_when_only_distractors_use_them(tmp_path: Path) -> None:
    folder = write_deck(tmp_path, {"q0": {
        "en": [item("How should a team pin versions?", ["Always pin to the newest.", "Pin with a lock file.",
                                                         "Never pin anything."], 1)],
        "pt-BR": [item("Como fixar versões?", ["Sempre fixe a mais nova.", "Fixe com um lock file.",
                                               "Nunca fixe nada."], 1)],
    }})
    found = rules(load(folder))["absolute-words"]
    assert [f.field for f in found] == ["pt-BR.quiz[0].options[0]", "pt-BR.quiz[0].options[2]",
                                        "en.quiz[0].options[0]", "en.quiz[0].options[2]"]
    assert "'always'" in found[2].message and "'sempre'" in found[0].message


def test_absolute_words_pass_when_the_correct_option_uses_them_too(tmp_path: Path) -> None:
    folder = write_deck(tmp_path, {"q0": {"en": [item(
        "How should a team pin versions?",
        ["Pin to the newest release only.", "Always pin with a lock file.", "Pin direct dependencies by range."], 1,
    )]}})
    assert "absolute-words" not in rules(load(folder))


def test_language_parity_fails_on_a_different_answer_or_a_much_longer_option(tmp_path: Path) -> None:
    en = [item("Which one?", ["A feature store.", "A model registry.", "An experiment tracker."], 0)]
    pt = [item("Qual?", ["Um feature store.", "Um registro de modelos com aprovação, histórico e aliases por ambiente.",
                         "Um rastreador de experimentos."], 2)]
    found = rules(load(write_deck(tmp_path, {"q0": {"en": en, "pt-BR": pt}})))["language-parity"]
    fields = [f.field for f in found]
    assert fields == ["en.quiz[0].correct", "en.quiz[0].options[1]"]
    assert "is 0 but pt-BR says 2" in found[0].message


def test_language_parity_passes_on_parallel_sides(tmp_path: Path) -> None:
    en = [item("Which one?", ["A feature store.", "A model registry.", "An experiment tracker."], 0)]
    pt = [item("Qual?", ["Um feature store.", "Um registro de modelos.", "Um rastreador de experimentos."], 0)]
    assert "language-parity" not in rules(load(write_deck(tmp_path, {"q0": {"en": en, "pt-BR": pt}})))


def test_every_rule_is_documented_with_a_bad_and_a_good_example() -> None:
    readme = (Path(__file__).resolve().parents[1] / "content" / "README.md").read_text(encoding="utf-8")
    for rule in lint.RULES:
        section = readme.split(f"`{rule}`", 1)
        assert len(section) == 2, f"{rule} is not documented in content/README.md"
        body = section[1].split("\n### ", 1)[0]
        assert "Bad" in body and "Good" in body, f"{rule} needs a bad and a good example"


# ---------------------------------------------------------------------------------------------------------------
# the CLI


def studybot(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_") and k != "DATABASE_URL"}
    env.update(COLUMNS="250", NO_COLOR="1", TERM="dumb")
    return subprocess.run([str(STUDYBOT), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def bad_deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lint")
    opts = ["A feature store.", "A model registry.", "An experiment tracker.", "A data catalogue."]
    return write_deck(root, {f"q{i}": {"en": [item(f"Question {i}?", opts, 1)]} for i in range(8)})


def test_lint_cli_warns_and_exits_0_without_strict(bad_deck: Path) -> None:
    run = studybot("content", "lint", bad_deck, cwd=bad_deck.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "⚠ demo/: en: option B is the correct one in 8 of 8 items" in run.stdout
    assert "2 finding(s)" in run.stdout


def test_lint_cli_strict_fails(bad_deck: Path) -> None:
    run = studybot("content", "lint", bad_deck, "--strict", cwd=bad_deck.parent)
    assert run.returncode == 1
    assert "✗ demo/: en: option B" in run.stdout


def test_validate_shows_findings_as_warnings_and_strict_as_errors(bad_deck: Path) -> None:
    run = studybot("content", "validate", bad_deck, cwd=bad_deck.parent)
    assert run.returncode == 0 and "⚠ demo/: en: option B" in run.stdout and "✓ demo: 8 questions" in run.stdout
    strict = studybot("content", "validate", bad_deck, "--strict", cwd=bad_deck.parent)
    assert strict.returncode == 1 and "2 quiz-quality problem(s)" in strict.stdout


def test_lint_cli_names_a_missing_folder(tmp_path: Path) -> None:
    run = studybot("content", "lint", tmp_path / "nope", cwd=tmp_path)
    assert run.returncode == 2 and "is not a folder" in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_shipped_decks_pass_lint_strictly(tmp_path: Path) -> None:
    from bot.content.loader import packaged_content_dir

    run = studybot("content", "lint", packaged_content_dir(), "--strict", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "✓ mlops-interview: no findings" in run.stdout and "✓ starter: no findings" in run.stdout
