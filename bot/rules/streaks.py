"""Streak arithmetic over a channel's question days, numbered 1, 2, 3... in posting order (``seq``).

A member keeps a streak by engaging with each daily question before the next one is posted. Days off in a
weekday schedule have no post, so they have no number and cannot break a streak.

Vacations: question days a member marked as away (``/vacation``) are excused: they neither extend nor break the
streak, and spend no freeze. Callers count them (``excused``) and the arithmetic skips them.

Freezes: every 7 question days in a row earn one (holding at most 2). A missed question day spends one
automatically and the streak goes on (the missed day itself is not counted). Without a freeze to spend, a miss
breaks the streak; the run that broke is remembered so that an admin can restore it after an outage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

#: A bonus is paid each time a streak reaches a multiple of this many question days.
STREAK_BONUS_EVERY = 5
#: A freeze is earned each time a streak reaches a multiple of this many question days.
FREEZE_EVERY = 7
MAX_FREEZES = 2


@dataclass(frozen=True)
class StreakState:
    current: int = 0
    longest: int = 0
    last_seq: int | None = None
    freezes: int = 0  # held now
    saved: int = 0  # question days saved by freezes, in all
    broken_run: int = 0  # the run a break ended, kept for an admin's restore
    broken_gap: int = 0  # how many question days that break missed


def record_engagement(state: StreakState, seq: int, excused: int = 0) -> StreakState:
    """The state after engaging with question day ``seq``; ``excused`` of the question days missed since the last
    engagement fell in a vacation. Engaging twice, or with an older day, changes nothing."""
    if state.last_seq is not None and seq <= state.last_seq:
        return state
    gap = 0 if state.last_seq is None else max(0, seq - state.last_seq - 1 - excused)
    freezes, saved, broken_run, broken_gap = state.freezes, state.saved, state.broken_run, state.broken_gap
    if state.last_seq is None:
        current = 1
    elif gap == 0:
        current = state.current + 1
    elif gap <= freezes:
        freezes, saved, current = freezes - gap, saved + gap, state.current + 1
    else:  # the freezes held were spent on the first missed days, then the streak broke
        broken_run, broken_gap, current, freezes = state.current, gap, 1, 0
    if current % FREEZE_EVERY == 0:
        freezes = min(MAX_FREEZES, freezes + 1)
    return StreakState(current, max(state.longest, current), seq, freezes, saved, broken_run, broken_gap)


def missed_since(state: StreakState, latest_seq: int | None, excused: int = 0) -> int:
    """Question days missed after the last engagement, not counting ``latest_seq`` (still open) nor the
    ``excused`` ones (on vacation)."""
    if state.last_seq is None or latest_seq is None:
        return 0
    return max(0, latest_seq - 1 - state.last_seq - excused)


def visible_current(state: StreakState, latest_seq: int | None, excused: int = 0) -> int:
    """The streak as it stands while day ``latest_seq`` is open: alive if the member engaged with it or the one
    before, or if the freezes held cover the days missed since (vacation days excused); broken (0) otherwise."""
    if state.last_seq is None or latest_seq is None:
        return 0
    return state.current if missed_since(state, latest_seq, excused) <= state.freezes else 0


def restore(state: StreakState, latest_seq: int | None) -> StreakState:
    """An admin's restore after an outage: the days missed count as kept. Bridges the gap still open (up to
    ``latest_seq``), or else the last break, joining the run it ended with the run since."""
    open_gap = missed_since(state, latest_seq)
    if state.last_seq is not None and latest_seq is not None and open_gap > 0:
        current = state.current + open_gap
        return replace(state, current=current, longest=max(state.longest, current), last_seq=latest_seq - 1)
    if state.broken_run:
        current = state.broken_run + state.broken_gap + state.current
        return replace(state, current=current, longest=max(state.longest, current), broken_run=0, broken_gap=0)
    return state


def earns_bonus(before: StreakState, after: StreakState) -> bool:
    return after.current != before.current and after.current > 0 and after.current % STREAK_BONUS_EVERY == 0
