"""Item statistics: hand-computed values on a small fixture, minimum sample sizes, and the numbers as shown by
``/studybot insights`` and ``studybot content report`` after real quizzes through the console adapter."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.services import item_stats
from bot.services.item_stats import Answer, compute, point_biserial
from bot.storage.models import QuizAttempt
from tests.conftest import Harness

# Five members, items A-D (correct option 0 of 3), each cell (right?, deck option picked):
#        A        B        C        D
# m1   ✓ 0      ✗ 1      ✓ 0      ✓ 0
# m2   ✓ 0      ✗ 1      ✓ 0      ✓ 0
# m3   ✓ 0      ✓ 0      ✗ 2      ✓ 0
# m4   ✗ 2      ✓ 0      ✗ 1      ✗ 1
# m5   ✗ 1      ✓ 0      ✗ 1      ✗ 2
# plus E (everyone right), F (everyone wrong, option 2) and a second, wrong answer by m1 on A (a repeat).
GRID = {
    1: {"A": (1, 0), "B": (0, 1), "C": (1, 0), "D": (1, 0), "E": (1, 0), "F": (0, 2)},
    2: {"A": (1, 0), "B": (0, 1), "C": (1, 0), "D": (1, 0), "E": (1, 0), "F": (0, 2)},
    3: {"A": (1, 0), "B": (1, 0), "C": (0, 2), "D": (1, 0), "E": (1, 0), "F": (0, 2)},
    4: {"A": (0, 2), "B": (1, 0), "C": (0, 1), "D": (0, 1), "E": (1, 0), "F": (0, 2)},
    5: {"A": (0, 1), "B": (1, 0), "C": (0, 1), "D": (0, 2), "E": (1, 0), "F": (0, 2)},
}
CORRECT = {f"{q}#x": 0 for q in "ABCDEF"}


def fixture_answers() -> list[Answer]:
    answers = [Answer(u, q, "x", bool(c), o) for u, row in GRID.items() for q, (c, o) in row.items()]
    return [*answers, Answer(1, "A", "x", False, 1)]


def by_key(stats: list[item_stats.ItemStats]) -> dict[str, item_stats.ItemStats]:
    return {s.question_id: s for s in stats}


def test_statistics_equal_hand_computed_values() -> None:
    stats = by_key(compute(fixture_answers(), CORRECT, min_members=5, min_discrimination=5))
    a, b, c = stats["A"], stats["B"], stats["C"]
    # A: 6 answers from 5 members (m1's repeat does not count), 3 right; picks 3/1/1 of 5.
    assert (a.attempts, a.members, a.correct) == (6, 5, 3)
    assert a.difficulty == pytest.approx(0.6)
    assert [a.pick_rate(i) for i in range(3)] == pytest.approx([0.6, 0.2, 0.2])
    # Rest-of-deck scores (B-F): right members 3/5, 3/5, 3/5; wrong ones 2/5, 2/5 -> a perfect split: r = 1.
    assert a.discrimination == pytest.approx(1.0)
    # B: right m3-m5 with rest scores 3/5, 1/5, 1/5 (M1 = 1/3); wrong m1, m2 with 4/5 each (M0 = 4/5).
    # mean 0.52, sd sqrt(0.0736) = 0.27129; M1 - M0 = -7/15; sqrt(pq) = sqrt(0.6 * 0.4) = 0.48990
    # r = (-7/15) / 0.27129 * 0.48990 = -0.84270
    assert b.discrimination == pytest.approx(-0.842701, abs=1e-6)
    assert [b.pick_rate(i) for i in range(3)] == pytest.approx([0.6, 0.4, 0.0])
    assert b.strong_pick == 1  # m1 and m2, the strongest, both picked option 1
    assert b.flags == ["negative"]
    # C: right m1, m2 (rest 3/5 each), wrong m3 (4/5), m4, m5 (2/5 each): mean 0.56, sd sqrt(0.0224),
    # M1 - M0 = 3/5 - 8/15 = 1/15, sqrt(pq) = 0.48990: r = 0.218218
    assert c.discrimination == pytest.approx(0.218218, abs=1e-6)
    assert c.difficulty == pytest.approx(0.4) and c.flags == []
    assert c.strong_pick == 2  # m3, above the median rest score, picked option 2
    assert stats["D"].discrimination == pytest.approx(1.0)
    assert stats["E"].flags == ["too_easy"] and stats["E"].discrimination is None  # nobody wrong: undefined
    assert stats["F"].flags == ["too_hard"] and stats["F"].pick_rate(2) == 1.0
    # flagged items first
    assert [s.question_id for s in compute(fixture_answers(), CORRECT, min_members=5, min_discrimination=5)][:3] == [
        "F", "B", "E"
    ]


def test_no_flags_below_the_minimum_sample_sizes() -> None:
    assert item_stats.MIN_MEMBERS == 20 and item_stats.MIN_MEMBERS_DISCRIMINATION == 20
    stats = compute(fixture_answers(), CORRECT)
    assert all(s.flags == [] for s in stats)
    assert by_key(stats)["B"].discrimination == pytest.approx(-0.842701, abs=1e-6)  # still computed and shown


def test_point_biserial_edge_cases() -> None:
    assert point_biserial([]) is None
    assert point_biserial([(True, 0.5)]) is None
    assert point_biserial([(True, 0.5), (False, 0.5)]) is None  # the rest scores do not vary
    assert point_biserial([(True, 1.0), (False, 0.0)]) == pytest.approx(1.0)


async def _answer_quizzes(harness: Harness) -> None:
    for member in ("bob", "carol"):
        await harness.run(f":as {member}", "/quiz 3")
        for _ in range(3):
            await harness.run(":click 1" if member == "bob" else ":click 2")
            await harness.run(":click 1")
    await harness.run(":as bob", "/quiz 1", ":click 3")


async def test_answers_in_the_database_feed_the_statistics(harness: Harness) -> None:
    await harness.run("/studybot deck starter")
    await _answer_quizzes(harness)
    catalog = harness.app.services.catalog
    deck = catalog.get("starter")
    with Session(harness.app.db.engine) as session:
        attempts = session.exec(select(QuizAttempt)).all()
        stats = item_stats.deck_report(session, deck, None)
    assert len(attempts) == 7
    assert sum(s.attempts for s in stats) == 7
    firsts: dict[str, dict[int, QuizAttempt]] = {}
    for attempt in sorted(attempts, key=lambda a: (a.created_at, a.id)):
        firsts.setdefault(f"{attempt.question_id}#{attempt.item_id}", {}).setdefault(attempt.user_id, attempt)
    for s in stats:
        mine = firsts[s.key]
        assert s.members == len(mine) and s.correct == sum(a.correct for a in mine.values())
        assert s.options == 4
        for option in range(4):
            expected = sum(a.option_index == option for a in mine.values()) / len(mine)
            assert s.pick_rate(option) == pytest.approx(expected)
    out = await harness.run(":as alice", "/studybot insights")
    assert "Quiz items (options in deck-file order" in out
    top = stats[0]
    assert f"`{top.key}` · members: {top.members} · right: {round(100 * top.difficulty)}%" in out
    assert "Flags need 20 members' first answers" in out


async def test_content_report_prints_the_same_numbers(harness: Harness, database_url: str, tmp_path: Path) -> None:
    await harness.run("/studybot deck starter")
    await _answer_quizzes(harness)
    with Session(harness.app.db.engine) as session:
        stats = item_stats.deck_report(session, harness.app.services.catalog.get("starter"), None)
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_") and k != "DATABASE_URL"}
    env.update(COLUMNS="250", NO_COLOR="1", TERM="dumb")
    studybot = Path(sys.executable).parent / "studybot"

    def run(*args: str) -> str:
        proc = subprocess.run([str(studybot), "content", "report", "--db", database_url, *args], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    report = json.loads(run("--format", "json", "--deck", "starter"))
    assert report["minimum_members"] == {"difficulty_flags": 20, "discrimination_flag": 20}
    got = {(r["question"], r["item"]): r for r in report["items"]}
    assert set(got) == {(s.question_id, s.item_id) for s in stats}
    for s in stats:
        r = got[(s.question_id, s.item_id)]
        assert (r["attempts"], r["members"], r["difficulty"]) == (s.attempts, s.members, s.difficulty)
        assert r["pick_rates"] == pytest.approx([s.pick_rate(i) for i in range(4)])
    rows = list(csv.DictReader(io.StringIO(run("--format", "csv"))))
    assert len(rows) == len(stats) and rows[0].keys() >= {"attempts", "difficulty", "discrimination", "pick_A"}
    table = run()
    assert "Quiz items" in table and "need 20 members' first answers" in table
