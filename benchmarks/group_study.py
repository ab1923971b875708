"""Does adaptive order help a study group remember more than the shuffled cycle? A simulation.

A group studies the mlops-interview deck for ``DAYS`` question days. Each simulated member has a memory of each
question modelled by FSRS (the same scheduler and parameters as the bot) with individual noise: an ability that
scales how well they recall, an attendance rate, absences of several days in a row, and new members joining
part-way. On each question day the channel posts one question, chosen by the bot's own selection rules
(``bot.rules.selection``): the shuffled cycle or adaptive order. Members who are present engage with it: they try
to recall the answer (a draw against their true recall probability), read the model answer, and grade themselves
(Again when they did not recall it, else Hard, Good or Easy), which updates their FSRS card.

At the end we report the mean true recall probability over every member present at the end and every question
of the deck (a question a member never met counts 0), and how much of the deck was posted. Both orders run the
same groups (the same members, attendance and recall draws from one seed), so the comparison is paired.

A third order, "foresight", shows what a choice of the daily question can gain here at best that we know of. It
sees what the bot cannot: who will show up today and each member's true recall (ability included), and greedily
takes the question with the largest expected gain in true recall on the final day, the day the figure is
measured. When even foresight stays far below a target, a rule working from what the bot knows will not reach it.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating

from benchmarks.common import Row, Section, fmt, ratio, verdict
from bot.rules.selection import choose_adaptive, choose_question
from bot.services.group_memory import ACTIVE_DAYS, mean_recall
from bot.services.reviews import scheduler

DAYS = 90
INITIAL_MEMBERS = 12
JOINERS = {30: 3, 60: 3}  # question day -> members joining that day
#: Recall of a question met for the first time (some candidates already know a little).
PRIOR_RECALL = 0.2
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class Member:
    ability: float  # true recall = FSRS retrievability ** (1 / ability)
    attendance: float  # chance of showing up on a question day when not away
    joined: int
    away_until: int = -1
    last_seen: int = -10_000
    cards: dict[str, Card] = field(default_factory=dict)

    def recall(self, question_id: str, when: datetime) -> float:
        card = self.cards.get(question_id)
        if card is None:
            return 0.0
        return scheduler().get_card_retrievability(card, when) ** (1 / self.ability)


def _new_member(rng: random.Random, day: int) -> Member:
    return Member(ability=math.exp(rng.gauss(0.0, 0.3)), attendance=rng.uniform(0.5, 0.9), joined=day)


def _grade(rng: random.Random, recalled: bool, probability: float) -> Rating:
    if not recalled:
        return Rating.Again
    if probability < 0.5 and rng.random() < 0.4:
        return Rating.Hard
    if probability > 0.9 and rng.random() < 0.3:
        return Rating.Easy
    return Rating.Good


@dataclass(frozen=True)
class Outcome:
    retention: float  # mean true recall at the end over members present and every question
    coverage: float  # share of the deck posted at least once
    posts: int


def simulate(question_ids: list[str], order: str, seed: int, days: int = DAYS) -> Outcome:
    """One group over ``days`` question days with ``order`` ("shuffled" or "adaptive"); deterministic in ``seed``.

    The group's randomness (members, attendance, absences, recall draws) comes from streams seeded by ``seed``
    alone, so both orders meet the same group."""
    people = random.Random(f"{seed}:people")
    members = [_new_member(people, 0) for _ in range(INITIAL_MEMBERS)]
    posted: list[str] = []
    cycle, used = 0, set[str]()
    channel_seed = f"sim:{seed}"
    end = START + timedelta(days=days)
    for day in range(days):
        now = START + timedelta(days=day)
        members.extend(_new_member(people, day) for _ in range(JOINERS.get(day, 0)))
        # Each member's day draws from a stream of its own, keyed by day and member: the order does not shift them.
        present: list[tuple[Member, random.Random]] = []
        for index, member in enumerate(members):
            draws = random.Random(f"{seed}:{day}:{index}")
            if _shows_up(member, day, draws):
                present.append((member, draws))
        if order == "adaptive":
            question = _adaptive_pick(question_ids, posted, members, day, now, channel_seed)
        elif order == "foresight":
            question = _foresight_pick(question_ids, posted, [m for m, _ in present], now, end)
        else:
            choice = choose_question(question_ids, used, channel_seed, cycle)
            assert choice is not None
            question, new_cycle = choice
            if new_cycle != cycle:
                cycle, used = new_cycle, set()
            used.add(question)
        posted.append(question)
        for member, draws in present:
            probability = member.recall(question, now) if question in member.cards else PRIOR_RECALL
            recalled = draws.random() < probability
            card = member.cards.get(question) or Card(due=now)
            member.cards[question], _ = scheduler().review_card(
                card, _grade(draws, recalled, probability), review_datetime=now
            )
            member.last_seen = day
    retention = statistics.fmean(member.recall(q, end) for member in members for q in question_ids)
    return Outcome(retention, len(set(posted)) / len(question_ids), len(posted))


def _shows_up(member: Member, day: int, draws: random.Random) -> bool:
    """Whether the member engages today; a member starting an absence of 3-10 days does not."""
    if member.away_until >= day:
        return False
    if draws.random() < 0.03:
        member.away_until = day + draws.randint(3, 10)
        return False
    return draws.random() <= member.attendance


def _foresight_pick(
    question_ids: list[str], posted: list[str], present: list[Member], now: datetime, end: datetime
) -> str:
    """The foresight order's choice: knowing who is present and their true recall, the question (not yesterday's)
    with the largest expected gain in true recall at ``end``, a review recalled counting as Good, else Again."""

    fsrs = scheduler()
    blank = Card(card_id=0, due=now)  # one for every unseen question: Card() without an id sleeps 1 ms to make one

    def recall_at_end(member: Member, card: Card) -> float:
        return fsrs.get_card_retrievability(card, end) ** (1 / member.ability)

    def gain(question: str) -> float:
        total = 0.0
        for member in present:
            card = member.cards.get(question)
            probability = member.recall(question, now) if card else PRIOR_RECALL
            before = recall_at_end(member, card) if card else 0.0
            reviewed = {rating: fsrs.review_card(card or blank, rating, review_datetime=now)[0]
                        for rating in (Rating.Good, Rating.Again)}
            total += probability * recall_at_end(member, reviewed[Rating.Good])
            total += (1 - probability) * recall_at_end(member, reviewed[Rating.Again]) - before
        return total

    last = posted[-1] if posted else None
    return max((q for q in question_ids if q != last), key=gain)


def _adaptive_pick(
    question_ids: list[str], posted: list[str], members: list[Member], day: int, now: datetime, seed: str
) -> str:
    """What the bot sees: the mean FSRS retrievability of each posted question over the active members (the
    bot's own aggregation, ``services.group_memory.mean_recall``)."""
    active = [index for index, m in enumerate(members) if day - m.last_seen <= ACTIVE_DAYS]
    cards = ((index, q, card) for index in active for q, card in members[index].cards.items())
    recall = mean_recall(active, cards, set(posted), now)
    choice = choose_adaptive(question_ids, posted, recall, seed)
    assert choice is not None
    return choice


@dataclass(frozen=True)
class Comparison:
    shuffled: list[Outcome]
    adaptive: list[Outcome]
    foresight: list[Outcome]

    @property
    def ratio(self) -> float:
        return statistics.fmean(o.retention for o in self.adaptive) / statistics.fmean(
            o.retention for o in self.shuffled
        )


def compare(question_ids: list[str], groups: int, days: int = DAYS, seed: int = 1) -> Comparison:
    seeds = [seed * 1000 + g for g in range(groups)]
    return Comparison(
        [simulate(question_ids, "shuffled", s, days) for s in seeds],
        [simulate(question_ids, "adaptive", s, days) for s in seeds],
        [simulate(question_ids, "foresight", s, days) for s in seeds],
    )


#: Target: adaptive order keeps at least this multiple of the shuffled cycle's mean retention.
TARGET_RATIO = 1.15


async def run(_databases: object, _backends: list[str], quick: bool) -> Section:
    """The benchmark runner's entry: the comparison on the mlops-interview deck (no database involved)."""
    from bot.content.loader import load_catalog, packaged_content_dir

    catalog = load_catalog([packaged_content_dir()])
    deck = catalog.get("mlops-interview")
    assert deck is not None, "the mlops-interview deck ships with studybot"
    question_ids = deck.question_ids("en")
    groups = 4 if quick else 20
    result = compare(question_ids, groups)
    shuffled = statistics.fmean(o.retention for o in result.shuffled)
    adaptive = statistics.fmean(o.retention for o in result.adaptive)
    wins = sum(a.retention > s.retention for a, s in zip(result.adaptive, result.shuffled, strict=True))
    coverage = min(o.coverage for o in result.adaptive)
    foresight = statistics.fmean(o.retention for o in result.foresight)
    section = Section(7, "Group study: adaptive order vs the shuffled cycle (simulation)")
    section.method = [
        f"{groups} simulated groups on the mlops-interview deck ({len(question_ids)} questions), {DAYS} question days "
        f"each: {INITIAL_MEMBERS} members at the start, {sum(JOINERS.values())} joining on days "
        f"{', '.join(map(str, JOINERS))}; each member with an ability (true recall = FSRS retrievability ^ "
        "(1/ability), ability log-normal, sigma 0.3), an attendance of 50-90 % and absences of 3-10 days "
        "(3 % chance a day); they recall (or not), read the model answer and grade themselves, which updates "
        "their FSRS card (the bot's scheduler, fuzzing off).",
        "Each group runs twice, once per order, with the same members and draws (paired). Figure: mean true "
        "recall at the end over every member present and every question of the deck (0 for one never met).",
        "For scale (same groups): a greedy order with foresight the bot cannot have, knowing who shows up each day "
        "and every member's true recall, posting the question with the largest expected gain in true recall on "
        "the final day, when the figure is measured.",
        "`python -m benchmarks.group_study` prints the same comparison; `benchmarks/group_study.py` documents it.",
    ]
    section.rows = [
        Row("–", "mean retention, shuffled cycle (baseline)", fmt(shuffled, 3), "", "", "", "–"),
        Row("–", "mean retention, adaptive order", fmt(adaptive, 3), fmt(shuffled, 3), ratio(adaptive, shuffled),
            f"≥ {TARGET_RATIO}x", verdict(adaptive / shuffled >= TARGET_RATIO)),
        Row("–", "mean retention, foresight order (greedy, knows more than the bot)", fmt(foresight, 3),
            fmt(shuffled, 3), ratio(foresight, shuffled), "", "–"),
        Row("–", "groups where adaptive kept more", f"{wins} of {groups}", "", "", "", "–"),
        Row("–", "share of the deck posted, adaptive (lowest group)", fmt(coverage * 100, 0, " %"), "", "",
            "100 %", verdict(coverage == 1.0)),
    ]
    chosen = "adaptive order" if adaptive / shuffled >= TARGET_RATIO else "the shuffled cycle"
    section.notes = [
        f"New channels get {chosen} (`Channel.question_order`'s default): adaptive order becomes the default only "
        f"when it keeps at least {TARGET_RATIO}x the shuffled cycle's retention here. Measured: "
        f"{adaptive / shuffled:.2f}x, better in {wins} of {groups} groups.",
    ]
    if foresight / shuffled < TARGET_RATIO:  # said only when this run shows it
        section.notes.append(
            f"The target looks out of reach for any daily-question order in this model: even the foresight order "
            f"keeps only {foresight / shuffled:.2f}x. With one question a day for the whole group the shuffled "
            "cycle already spaces every question evenly, and FSRS-6's forgetting curve is flat (a question failed "
            "once is still recalled 47 % of the time a month later, one recalled once 67 %), so posting a question "
            "some days earlier or later changes little.",
        )
    return section


if __name__ == "__main__":
    import asyncio

    outcome = asyncio.run(run(None, [], quick=False))
    for row in outcome.rows:
        print(f"{row.figure}: {row.measured} {row.ratio} {row.result}")
