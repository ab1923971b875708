"""Item statistics from members' quiz answers: how hard each item is, whether it separates members who know the
deck from those who do not, and which options draw answers.

Each member counts once per item, with their first answer (later ones are practice after seeing the
explanation). Options are counted by their index in the deck file (``QuizAttempt.option_index``), so the
per-member shuffle does not blur the pick rates, and both languages of an item pool together (their options are
parallel, which ``studybot content lint`` checks)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import median

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from bot.content.loader import Deck
from bot.storage.models import QuizAttempt, QuizSession

#: Difficulty flags need this many members' first answers on the item.
MIN_MEMBERS = 20
#: The discrimination flag needs this many members who also answered other items of the deck.
MIN_MEMBERS_DISCRIMINATION = 20
TOO_EASY = 0.95  # share correct above which an item is flagged as too easy
TOO_HARD = 0.20  # share correct below which an item is flagged as too hard


@dataclass(frozen=True)
class Answer:
    user_id: int
    question_id: str
    item_id: str
    correct: bool
    option: int | None


@dataclass
class ItemStats:
    question_id: str
    item_id: str
    options: int = 0  # how many options the item has in the deck (0 when unknown)
    attempts: int = 0  # every answer, repeats included
    members: int = 0  # members who answered (first answers)
    correct: int = 0  # first answers that were right
    picks: dict[int, int] = field(default_factory=dict)  # deck option index -> members who picked it first
    discrimination: float | None = None  # point-biserial of the item vs the member's score on the rest of the deck
    discrimination_members: int = 0
    strong_pick: int | None = None  # the distractor the stronger half of members picked most, if any
    flags: list[str] = field(default_factory=list)  # too_easy, too_hard, negative

    @property
    def key(self) -> str:
        return f"{self.question_id}#{self.item_id}"

    @property
    def difficulty(self) -> float | None:
        """Share of members whose first answer was right (higher is easier)."""
        return self.correct / self.members if self.members else None

    def pick_rate(self, option: int) -> float:
        counted = sum(self.picks.values())
        return self.picks.get(option, 0) / counted if counted else 0.0


def point_biserial(scores: list[tuple[bool, float]]) -> float | None:
    """Correlation of a right/wrong item with a continuous score; None when either side does not vary."""
    n = len(scores)
    if n < 2:
        return None
    right = [s for ok, s in scores if ok]
    wrong = [s for ok, s in scores if not ok]
    if not right or not wrong:
        return None
    mean = sum(s for _, s in scores) / n
    sd = math.sqrt(sum((s - mean) ** 2 for _, s in scores) / n)
    if sd == 0:
        return None
    p = len(right) / n
    return (sum(right) / len(right) - sum(wrong) / len(wrong)) / sd * math.sqrt(p * (1 - p))


def compute(
    answers: list[Answer],
    correct_options: dict[str, int] | None = None,
    *,
    min_members: int = MIN_MEMBERS,
    min_discrimination: int = MIN_MEMBERS_DISCRIMINATION,
) -> list[ItemStats]:
    """Statistics per item from answers in the order they were given, flagged items first. ``correct_options``
    (item key -> deck index of the correct option) lets the strong-pick check tell distractors from the answer."""
    stats: dict[str, ItemStats] = {}
    first: dict[int, dict[str, Answer]] = {}
    for answer in answers:
        key = f"{answer.question_id}#{answer.item_id}"
        item = stats.setdefault(key, ItemStats(answer.question_id, answer.item_id))
        item.attempts += 1
        mine = first.setdefault(answer.user_id, {})
        if key in mine:
            continue
        mine[key] = answer
        item.members += 1
        item.correct += answer.correct
        if answer.option is not None:
            item.picks[answer.option] = item.picks.get(answer.option, 0) + 1
    for key, item in stats.items():
        scored: list[tuple[Answer, float]] = []
        for mine in first.values():
            if key in mine and len(mine) > 1:
                rest = [a.correct for k, a in mine.items() if k != key]
                scored.append((mine[key], sum(rest) / len(rest)))
        item.discrimination_members = len(scored)
        item.discrimination = point_biserial([(a.correct, s) for a, s in scored])
        if scored:
            cut = median(s for _, s in scored)
            strong = [a for a, s in scored if s >= cut]
            distractors: dict[int, int] = {}
            right = (correct_options or {}).get(key)
            for a in strong:
                if not a.correct and a.option is not None and a.option != right:
                    distractors[a.option] = distractors.get(a.option, 0) + 1
            if distractors:
                item.strong_pick = max(sorted(distractors), key=lambda o: distractors[o])
        share = item.difficulty
        if item.members >= min_members and share is not None:
            if share > TOO_EASY:
                item.flags.append("too_easy")
            if share < TOO_HARD:
                item.flags.append("too_hard")
        if (
            item.discrimination_members >= min_discrimination
            and item.discrimination is not None
            and item.discrimination < 0
        ):
            item.flags.append("negative")
    return sorted(stats.values(), key=lambda s: (-len(s.flags), s.difficulty or 0.0, s.key))


def load_answers(session: Session, tenant_id: int | None, deck_id: str, channel_id: int | None = None) -> list[Answer]:
    """Every quiz answer on ``deck_id`` (in a tenant and channel when given), oldest first."""
    stmt = (
        sa_select(
            col(QuizAttempt.user_id), col(QuizAttempt.question_id), col(QuizAttempt.item_id),
            col(QuizAttempt.correct), col(QuizAttempt.option_index),
        )
        .join(QuizSession, col(QuizSession.id) == col(QuizAttempt.session_id))
        .where(col(QuizSession.deck_id) == deck_id)
        .order_by(col(QuizAttempt.created_at), col(QuizAttempt.id))
    )
    if tenant_id is not None:
        stmt = stmt.where(col(QuizAttempt.tenant_id) == tenant_id)
    if channel_id is not None:
        stmt = stmt.where(col(QuizSession.channel_id) == channel_id)
    return [Answer(u, q, i, bool(c), o) for u, q, i, c, o in session.execute(stmt).all()]


def correct_options(deck: Deck) -> dict[str, int]:
    """Item key -> deck index of its correct option (the languages agree; ``content lint`` checks it)."""
    out: dict[str, int] = {}
    for qid, question in deck.questions.items():
        for lang in question.languages:
            for item in question.text(lang).quiz:  # type: ignore[union-attr]
                out.setdefault(f"{qid}#{item.id}", item.correct)
    return out


def deck_report(session: Session, deck: Deck, tenant_id: int | None, channel_id: int | None = None) -> list[ItemStats]:
    """Statistics for every answered item of ``deck`` (in a tenant and channel when given)."""
    stats = compute(load_answers(session, tenant_id, deck.id, channel_id), correct_options(deck))
    sizes = {
        f"{qid}#{item.id}": len(item.options)
        for qid, question in deck.questions.items()
        for lang in question.languages
        for item in question.text(lang).quiz  # type: ignore[union-attr]
    }
    for item in stats:
        item.options = sizes.get(item.key, 0)
    return stats
