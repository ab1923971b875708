"""Streak arithmetic over a channel's question days, numbered 1, 2, 3... in posting order (``seq``).

A member keeps a streak by engaging with each daily question before the next one is posted. Days off in a
weekday schedule have no post, so they have no number and cannot break a streak.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A bonus is paid each time a streak reaches a multiple of this many question days.
STREAK_BONUS_EVERY = 5


@dataclass(frozen=True)
class StreakState:
    current: int = 0
    longest: int = 0
    last_seq: int | None = None


def record_engagement(state: StreakState, seq: int) -> StreakState:
    """The state after engaging with question day ``seq``. Engaging twice, or with an older day, changes nothing."""
    if state.last_seq is not None and seq <= state.last_seq:
        return state
    current = state.current + 1 if state.last_seq is not None and seq == state.last_seq + 1 else 1
    return StreakState(current=current, longest=max(state.longest, current), last_seq=seq)


def visible_current(state: StreakState, latest_seq: int | None) -> int:
    """The streak as it stands while day ``latest_seq`` is open: still alive if the member engaged with it or
    the one before, broken (0) otherwise."""
    if state.last_seq is None or latest_seq is None:
        return 0
    return state.current if state.last_seq >= latest_seq - 1 else 0


def earns_bonus(before: StreakState, after: StreakState) -> bool:
    return after.current != before.current and after.current > 0 and after.current % STREAK_BONUS_EVERY == 0
