"""The deck's ``key_points`` field: what the validator accepts and rejects, and that shipped decks have them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.content.loader import load_deck, packaged_content_dir

REPO = Path(__file__).resolve().parents[1]
Q = "language-is-vs-equals"


def _copy_with(tmp_path: Path, edit) -> Path:
    deck = tmp_path / "starter"
    shutil.copytree(REPO / "content" / "starter", deck)
    path = deck / "questions" / f"{Q}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return deck


def _problems(deck: Path) -> list[str]:
    _, problems = load_deck(deck)
    return [str(p) for p in problems]


@pytest.mark.parametrize("deck", ["mlops-interview", "starter"])
def test_every_shipped_question_has_3_to_7_parallel_key_points(deck: str) -> None:
    loaded, problems = load_deck(packaged_content_dir() / deck)
    assert loaded is not None and not problems
    for question in loaded.questions.values():
        counts = {lang: len(question.text(lang).key_points) for lang in question.languages}
        assert len(set(counts.values())) == 1, (question.id, counts)
        assert 3 <= counts["en"] <= 7, (question.id, counts)


def test_key_points_sit_between_assesses_and_answer_in_the_files() -> None:
    for path in sorted((packaged_content_dir()).glob("*/questions/*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if line.startswith("  key_points:"):
                previous = next(j for j in range(i - 1, 0, -1) if not lines[j].startswith("    "))
                assert lines[previous].startswith("  assesses:"), path.name
                following = next(j for j in range(i + 1, len(lines)) if not lines[j].startswith("    "))
                assert lines[following].startswith("  answer:"), path.name


def test_a_copy_of_the_starter_deck_is_valid(tmp_path: Path) -> None:
    assert _problems(_copy_with(tmp_path, lambda d: None)) == []


def test_two_key_points_are_too_few(tmp_path: Path) -> None:
    def edit(data: dict) -> None:
        data["en"]["key_points"] = data["en"]["key_points"][:2]

    problems = _problems(_copy_with(tmp_path, edit))
    assert any("en.key_points" in p and "3 to 7" in p for p in problems), problems


def test_a_language_with_a_different_count_is_named(tmp_path: Path) -> None:
    def edit(data: dict) -> None:
        data["pt-BR"]["key_points"] = data["pt-BR"]["key_points"][:3]
        data["en"]["key_points"] = data["en"]["key_points"][:4]

    problems = _problems(_copy_with(tmp_path, edit))
    assert any("en.key_points" in p and "same number" in p for p in problems), problems


@pytest.mark.parametrize(
    ("mutation", "needle"),
    [
        (lambda kp: kp.update(terms=[]), "terms"),
        (lambda kp: kp.update(terms=["same", "Same"]), "unique"),
        (lambda kp: kp.update(point=""), "point"),
        (lambda kp: kp.update(hint="x"), "hint"),
    ],
)
def test_a_bad_key_point_is_reported_with_its_field(tmp_path: Path, mutation, needle: str) -> None:
    def edit(data: dict) -> None:
        mutation(data["en"]["key_points"][0])

    problems = _problems(_copy_with(tmp_path, edit))
    assert any("key_points" in p and needle in p for p in problems), problems
