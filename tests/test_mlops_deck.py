"""The shipped deck ``content/mlops-interview``: its shape, its quiz items, its limits and its originality.

Loaded once through the real loader (no mocks); every check reads the real YAML files."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bot.content.loader import Deck, load_deck
from bot.content.schema import MAX_ANSWER_CHARS
from tests.originality import copied_runs

REPO = Path(__file__).resolve().parents[1]
DECK_DIR = REPO / "content" / "mlops-interview"
ARTICLE = Path(__file__).resolve().parents[2] / "shared/seeds/000_f049edcf4a977c13.txt"
LANGS = ("pt-BR", "en")

#: Question ids are stable forever (posts, reveals and review history refer to them): renaming one must fail here.
FROZEN_IDS = (
    "basics-canary-vs-blue-green",
    "basics-deployment-problems",
    "basics-mlops-vs-devops",
    "basics-model-drift",
    "basics-model-packaging",
    "basics-monitoring-metrics",
    "basics-pre-production-tests",
    "basics-retraining-automation",
    "basics-version-control",
    "behavioral-cross-functional-collaboration",
    "behavioral-model-versioning-team",
    "behavioral-production-incident",
    "behavioral-scaling-for-load",
    "behavioral-stakeholder-expectations",
    "behavioral-tech-debt-vs-deadline",
    "cloud-cost-management",
    "cloud-deploy-model-to-cloud",
    "cloud-edge-vs-cloud",
    "cloud-high-availability",
    "cloud-security-compliance",
    "cloud-serverless-tradeoffs",
    "cloud-training-compute",
    "faq-common-mistakes",
    "faq-key-skills-to-highlight",
    "faq-preparing-technical-interview",
    "faq-showing-large-scale-experience",
    "faq-standing-out",
    "intro-what-is-mlops",
    "technical-automated-retraining-pipeline",
    "technical-data-management-practices",
    "technical-experiment-reproducibility",
    "technical-feature-engineering-pipeline",
    "technical-ml-cicd-pipeline",
    "technical-model-explainability-tools",
    "technical-operationalization-challenges",
    "technical-production-monitoring-setup",
)

CATEGORY_COUNTS = {"intro": 1, "basics": 9, "technical": 8, "cloud": 7, "behavioral": 6, "faq": 5}
MIN_QUIZ = {"intro": 2, "basics": 2, "technical": 2, "cloud": 2, "behavioral": 1, "faq": 1}
TAGGED_CATEGORIES = ("technical", "basics", "cloud")
REQUIRED_TOOLS = (
    "DVC",
    "MLflow",
    "Airflow",
    "Kubeflow",
    "Docker",
    "Kubernetes",
    "Prometheus",
    "Grafana",
    "SHAP",
    "LIME",
)


@pytest.fixture(scope="module")
def deck() -> Deck:
    loaded, problems = load_deck(DECK_DIR)
    assert problems == [], "\n".join(map(str, problems))
    assert loaded is not None
    return loaded


def _sides(deck: Deck):
    for qid, question in sorted(deck.questions.items()):
        for lang in LANGS:
            yield qid, lang, question.text(lang)


def test_loads_without_problems(deck: Deck) -> None:
    assert deck.id == "mlops-interview"
    assert list(deck.info.languages) == ["pt-BR", "en"]


def test_exactly_36_questions(deck: Deck) -> None:
    assert len(deck.questions) == 36
    assert len(list((DECK_DIR / "questions").glob("*.y*ml"))) == 36


def test_questions_per_category(deck: Deck) -> None:
    counts = Counter(q.category for q in deck.questions.values())
    assert dict(counts) == CATEGORY_COUNTS
    assert set(deck.info.categories) == set(CATEGORY_COUNTS)


def test_ids_are_unique_and_frozen(deck: Deck) -> None:
    file_ids = [p.stem for p in sorted((DECK_DIR / "questions").glob("*.y*ml"))]
    assert len(file_ids) == len(set(file_ids))
    assert len(FROZEN_IDS) == len(set(FROZEN_IDS)) == 36
    assert sorted(deck.questions) == sorted(FROZEN_IDS)
    assert sorted(file_ids) == sorted(FROZEN_IDS)
    assert all(deck.questions[qid].id == qid for qid in FROZEN_IDS)


def test_every_question_is_complete_in_both_languages(deck: Deck) -> None:
    incomplete = []
    for qid, lang, side in _sides(deck):
        if side is None:
            incomplete.append(f"{qid}: no {lang}")
            continue
        for name in ("prompt", "assesses", "answer"):
            if not getattr(side, name).strip():
                incomplete.append(f"{qid}: {lang}.{name} is empty")
    assert incomplete == []


def test_difficulty_between_1_and_3(deck: Deck) -> None:
    assert {qid: q.difficulty for qid, q in deck.questions.items() if q.difficulty not in (1, 2, 3)} == {}


def test_tags_present_on_technical_basics_cloud(deck: Deck) -> None:
    untagged = [
        qid for qid, q in deck.questions.items() if q.category in TAGGED_CATEGORIES and not [t for t in q.tags if t]
    ]
    assert untagged == []


def test_quiz_items_per_category(deck: Deck) -> None:
    short = []
    for qid, lang, side in _sides(deck):
        minimum = MIN_QUIZ[deck.questions[qid].category]
        if len(side.quiz) < minimum:
            short.append(f"{qid} {lang}: {len(side.quiz)} quiz item(s), needs {minimum}")
    assert short == []


def test_quiz_items_are_well_formed(deck: Deck) -> None:
    bad = []
    for qid, lang, side in _sides(deck):
        for item in side.quiz:
            where = f"{qid} {lang} quiz {item.id}"
            if len(item.options) != 4:
                bad.append(f"{where}: {len(item.options)} options, expected 4")
            if not 0 <= item.correct < len(item.options):
                bad.append(f"{where}: correct {item.correct} out of range")
            folded = [re.sub(r"\s+", " ", o).strip().casefold() for o in item.options]
            if len(set(folded)) != len(folded):
                bad.append(f"{where}: options not distinct")
            if not item.explanation.strip():
                bad.append(f"{where}: empty explanation")
    assert bad == []


def test_quiz_same_items_and_correct_index_in_both_languages(deck: Deck) -> None:
    mismatched = []
    for qid, q in sorted(deck.questions.items()):
        pt = [(i.id, len(i.options), i.correct) for i in q.text("pt-BR").quiz]
        en = [(i.id, len(i.options), i.correct) for i in q.text("en").quiz]
        if pt != en:
            mismatched.append(f"{qid}: pt-BR {pt} != en {en}")
    assert mismatched == []


def test_correct_positions_vary(deck: Deck) -> None:
    positions = Counter(item.correct for _, _, side in _sides(deck) for item in side.quiz)
    total = sum(positions.values())
    assert total > 0
    assert len(positions) > 1, f"every correct answer is at position {next(iter(positions))}"
    # not merely "not constant": no position should dominate the deck
    assert max(positions.values()) <= total / 2, positions


def _slack(markdown: str) -> str:
    """A rough Markdown -> Slack mrkdwn conversion: **bold** -> *bold*, [text](url) -> <url|text>."""
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", markdown)
    return re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r"<\2|\1>", text)


def test_slack_conversion_is_rough_but_right() -> None:
    assert _slack("a **b** c [d](https://e.f)") == "a *b* c <https://e.f|d>"


def test_answer_lengths(deck: Deck) -> None:
    assert MAX_ANSWER_CHARS == 2800
    bad = []
    for qid, lang, side in _sides(deck):
        n = len(side.answer)
        if not 400 <= n <= 2800:
            bad.append(f"{qid} {lang}: answer has {n} characters (400-2,800)")
        if len(_slack(side.answer)) > 3000:
            bad.append(f"{qid} {lang}: answer is over 3,000 characters in Slack mrkdwn")
        if n > 4096:
            bad.append(f"{qid} {lang}: answer is over 4,096 characters for a Discord embed")
    assert bad == []


def test_tags_mention_the_core_tools(deck: Deck) -> None:
    tags = " | ".join(t.casefold() for q in deck.questions.values() for t in q.tags)
    missing = [tool for tool in REQUIRED_TOOLS if tool.casefold() not in tags]
    assert missing == []


@pytest.mark.skipif(not ARTICLE.is_file(), reason=f"source article not available at {ARTICLE}")
def test_no_ten_word_run_copied_from_the_source_article() -> None:
    runs = copied_runs(DECK_DIR, ARTICLE, 10)
    assert runs == [], "\n".join(f"{name}: {run}" for name, run in runs[:20])


def test_originality_checker_catches_a_copied_run(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text(
        "Intro line.\nModel monitoring watches live predictions so that silent failures surface before users "
        "notice them, which matters a lot.\n",
        encoding="utf-8",
    )
    deck_dir = tmp_path / "tiny"
    (deck_dir / "questions").mkdir(parents=True)
    (deck_dir / "questions" / "copied.yaml").write_text(
        "id: copied\nen:\n  answer: |\n"
        "    In short, MODEL monitoring watches live predictions, so that silent failures surface before"
        " anyone else.\n",
        encoding="utf-8",
    )
    (deck_dir / "questions" / "own.yaml").write_text(
        # nine words in a row from the article, then a different word: below the threshold of ten
        "id: own\nen:\n  answer: monitoring watches live predictions so that silent failures surface after all\n",
        encoding="utf-8",
    )
    runs = copied_runs(deck_dir, article, 10)
    # case and punctuation do not hide a copy; the run of 11 copied words yields two 10-word windows
    assert runs == [
        ("copied.yaml", "model monitoring watches live predictions so that silent failures surface"),
        ("copied.yaml", "monitoring watches live predictions so that silent failures surface before"),
    ]
    assert copied_runs(deck_dir, article, 9) != []  # the nine-word run in own.yaml is seen at n=9
    assert ("own.yaml", "monitoring watches live predictions so that silent failures surface") in copied_runs(
        deck_dir, article, 9
    )
