"""Posting on the timetable: the daily question, its fan-out, the weekly leaderboard and the end-of-day reveal."""
