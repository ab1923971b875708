"""Which question a channel gets next: no repeats until the deck is exhausted, then a new shuffled cycle."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence


def cycle_order(question_ids: Sequence[str], seed: str, cycle: int) -> list[str]:
    """The questions in the order a cycle serves them: a shuffle determined by the seed and the cycle number."""
    order = sorted(question_ids)
    random.Random(f"{seed}|{cycle}").shuffle(order)
    return order


def choose_question(
    question_ids: Sequence[str], used_in_cycle: Collection[str], seed: str, cycle: int
) -> tuple[str, int] | None:
    """The next question and the cycle it belongs to, or None when there are no questions at all."""
    if not question_ids:
        return None
    remaining = [q for q in cycle_order(question_ids, seed, cycle) if q not in used_in_cycle]
    if remaining:
        return remaining[0], cycle
    return cycle_order(question_ids, seed, cycle + 1)[0], cycle + 1
