"""Points and team scores. README.md documents the same numbers for users."""

from __future__ import annotations

PARTICIPATION_POINTS = 1  #: engaging with the day's question (reveal, self-grade or quiz answer on it), once a day
CORRECT_ANSWER_POINTS = 2  #: each quiz item answered correctly, at most once per item per day
STREAK_BONUS_POINTS = 5  #: each time a streak reaches a multiple of STREAK_BONUS_EVERY question days


def team_score(total: int, members: int) -> float:
    """A team's score is the mean of its members' points: their ``total`` over how many they are (0 for none).

    The mean rather than the sum keeps a team of three able to win against a team of ten: the leaderboard
    rewards how much each member studies, not how many members a team recruits.
    """
    return total / members if members else 0.0
