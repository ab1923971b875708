"""Options are shuffled per member and item, deterministically (``bot.services.quizzes.option_order``)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

from bot.content.loader import load_deck, packaged_content_dir
from bot.services.quizzes import ItemRef, option_order, shuffled

DECK = packaged_content_dir() / "mlops-interview"


def _items():
    deck, problems = load_deck(DECK)
    assert deck is not None, problems
    return [(ItemRef(qid, item.id), item) for qid, q in sorted(deck.questions.items()) for item in q.en.quiz]


def test_the_order_is_a_permutation_and_the_same_every_time() -> None:
    for ref, item in _items():
        order = option_order(42, ref, len(item.options))
        assert sorted(order) == list(range(len(item.options)))
        assert option_order(42, ref, len(item.options)) == order


def test_the_order_survives_a_restart_with_another_hash_seed() -> None:
    """A new process (as after a restart), with Python's string hashing randomised differently."""
    refs = [ref for ref, _ in _items()][:10]
    here = [option_order(7, ref, 4) for ref in refs]
    code = (
        "from bot.services.quizzes import ItemRef, option_order\n"
        f"refs = {[(r.question_id, r.item_id) for r in refs]!r}\n"
        "print([option_order(7, ItemRef(q, i), 4) for q, i in refs])\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=True)
    assert out.stdout.strip() == repr(here)


def test_members_see_different_orders() -> None:
    items = _items()
    differ = sum(option_order(1, ref, len(i.options)) != option_order(2, ref, len(i.options)) for ref, i in items)
    # 4 options give 24 orders: two members share an order on about 1 item in 24
    assert differ >= len(items) * 0.85, f"only {differ} of {len(items)} items differ"


def test_the_correct_option_lands_on_every_letter_about_equally() -> None:
    ref, item = _items()[0]
    letters = Counter(shuffled(item, option_order(member, ref, len(item.options))).correct for member in range(2000))
    assert set(letters) == set(range(len(item.options)))
    for count in letters.values():
        assert abs(count / 2000 - 1 / len(item.options)) < 0.04, letters


def test_shuffled_keeps_the_correct_option() -> None:
    for member in (1, 2, 3):
        for ref, item in _items():
            shown = shuffled(item, option_order(member, ref, len(item.options)))
            assert shown.options[shown.correct] == item.options[item.correct]
            assert sorted(shown.options) == sorted(item.options)
            assert shown.explanation == item.explanation and shown.question == item.question
