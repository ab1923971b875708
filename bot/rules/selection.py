"""Which question a channel gets next: a shuffled cycle (no repeats until the deck is exhausted), or adaptive
order (the question the group is closest to forgetting, with unseen questions mixed in)."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence


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


#: Adaptive order: while the channel has not had every question, every ``NEW_EVERY``-th post brings one it has
#: not had yet (so a deck of N questions is covered within about N x NEW_EVERY posts).
NEW_EVERY = 2
#: Adaptive order: when even the group's weakest question is recalled at least this well, a new one comes instead.
STRONG_ENOUGH = 0.9
#: Adaptive order: the group recall of a question no active member has a card for (posted, but nobody engaged).
UNKNOWN_RECALL = 0.0


def choose_adaptive(
    question_ids: Sequence[str],
    posted: Sequence[str],
    group_recall: Mapping[str, float],
    seed: str,
) -> str | None:
    """The next question in adaptive order, or None when there are no questions.

    ``posted`` is the channel's posts from this deck, oldest first; ``group_recall`` the mean FSRS retrievability
    per question over the channel's active members (``services.group_memory``). Every ``NEW_EVERY``-th post (and any
    post when the weakest question is recalled at least ``STRONG_ENOUGH``) takes the next unseen question in the
    channel's shuffled order; the others take the seen question the group is closest to forgetting. The question
    of the latest post is never taken again at once, unless it is the only one."""
    if not question_ids:
        return None
    seen = set(posted)
    order = cycle_order(question_ids, seed, 0)
    unseen = [q for q in order if q not in seen]
    last = posted[-1] if posted else None
    review = [q for q in order if q in seen and q != last]
    weakest = min(review, key=lambda q: group_recall.get(q, UNKNOWN_RECALL), default=None)
    if unseen and (
        weakest is None
        or (len(posted) + 1) % NEW_EVERY == 0
        or group_recall.get(weakest, UNKNOWN_RECALL) >= STRONG_ENOUGH
    ):
        return unseen[0]
    if weakest is not None:
        return weakest
    return order[0]
