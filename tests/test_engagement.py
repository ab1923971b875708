"""Engagement on a real database: exact points, streak fields and once-only records."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, insert
from sqlmodel import Session, select

from bot.bootstrap import App
from bot.rules import scoring
from bot.rules.periods import ALL_TIME, keys_for
from bot.rules.streaks import StreakState
from bot.services import engagement, totals
from bot.services.directory import ensure_channel, ensure_tenant, ensure_user
from bot.services.engagement import Grade, Reason
from bot.storage.models import (
    Channel,
    DailyPost,
    Participation,
    PointsEntry,
    PointsTotal,
    Reveal,
    ReviewState,
    SelfGrade,
    Streak,
    Tenant,
    User,
    Vacation,
)
from tests.conftest import START


def _member(s: Session, app: App, timezone: str = "UTC") -> tuple[Channel, User]:
    tenant = ensure_tenant(s, "console", "T1", "", START)
    channel = ensure_channel(s, tenant, "C1", "", app.services.defaults, START)
    channel.timezone = timezone
    s.add(channel)
    return channel, ensure_user(s, tenant, "U1", "ana", START)


def _post(s: Session, channel: Channel, seq: int) -> DailyPost:
    post = DailyPost(
        tenant_id=channel.tenant_id,
        channel_id=channel.id,
        question_day=date(2026, 3, 1) + timedelta(days=seq),
        seq=seq,
        deck_id="starter",
        question_id=f"q{seq}",
        status="sent",
        claimed_at=START,
    )
    s.add(post)
    s.flush()
    return post


def _points(s: Session, user: User) -> dict[str, int]:
    return dict(totals.member_totals(s, user.tenant_id, user.id))  # type: ignore[arg-type]


def _ledger(s: Session) -> list[tuple[str, str, int]]:
    rows = s.exec(select(PointsEntry.reason, PointsEntry.ref_key, PointsEntry.points).order_by(PointsEntry.id)).all()
    return [(str(reason), ref, points) for reason, ref, points in rows]


def test_participation_adds_its_points_once(app: App) -> None:
    with app.db.transaction() as s:
        channel, user = _member(s, app)
        post = _post(s, channel, 1)
        first = engagement.participate(s, post, user, START)
        again = engagement.participate(s, post, user, START)
        assert first == engagement.Engagement(counted=True, points=scoring.PARTICIPATION_POINTS)
        assert again == engagement.Engagement(counted=False, points=0)
        assert _ledger(s) == [("participation", f"post:{post.id}", 1)]
        assert _points(s, user) == {key: 1 for key in keys_for(START.date())}
        assert len(s.exec(select(Participation)).all()) == 1


def test_only_the_open_question_counts(app: App) -> None:
    with app.db.transaction() as s:
        channel, user = _member(s, app)
        old, latest = _post(s, channel, 1), _post(s, channel, 2)
        assert engagement.participate(s, old, user, START) == engagement.Engagement(counted=False, points=0)
        assert engagement.participate(s, old, user, START, latest=1).counted  # the caller read seq 1 as latest
        assert engagement.participate(s, latest, user, START).counted


def test_the_fifth_day_in_a_row_adds_the_streak_bonus(app: App) -> None:
    with app.db.transaction() as s:
        channel, user = _member(s, app)
        gained = [engagement.participate(s, _post(s, channel, seq), user, START).points for seq in range(1, 7)]
        assert gained == [1, 1, 1, 1, 1 + scoring.STREAK_BONUS_POINTS, 1]
        assert (str(Reason.STREAK_BONUS), f"streak:{channel.id}:5", 5) in _ledger(s)
        assert _points(s, user)[ALL_TIME] == 6 + 5
        bonus_channels = s.exec(select(PointsEntry.channel_id).where(PointsEntry.reason == Reason.STREAK_BONUS))
        assert bonus_channels.all() == [channel.id]  # the bonus is the channel's, like the participation


def test_totals_remember_when_they_were_reached_to_break_ties(app: App) -> None:
    later = START + timedelta(hours=2)
    with app.db.transaction() as s:
        channel, user = _member(s, app)
        assert engagement.award(s, user, channel.id, Reason.CORRECT_ANSWER, "item:y", 2, later)
        reached = s.exec(select(PointsTotal.reached_at).where(PointsTotal.user_id == user.id)).all()
        assert len(reached) == len(keys_for(later.date()))
        assert None not in reached
        assert {moment.replace(tzinfo=None) for moment in reached if moment} == {later.replace(tzinfo=None)}


def test_a_question_day_on_vacation_between_two_engagements_keeps_the_streak(app: App) -> None:
    with app.db.transaction() as s:
        channel, user = _member(s, app)
        first, away, back = (_post(s, channel, seq) for seq in (1, 2, 3))
        s.add(Vacation(tenant_id=user.tenant_id, user_id=user.id, start_day=away.question_day,
                       end_day=away.question_day + timedelta(days=1), created_at=START))
        s.flush()
        assert engagement.participate(s, first, user, START, latest=1).counted
        assert engagement.participate(s, back, user, START, latest=3).counted
        row = s.exec(select(Streak).where(Streak.user_id == user.id)).one()
        assert engagement.state_of(row) == StreakState(current=2, longest=2, last_seq=3)  # no freeze, no break


def test_when_another_writer_creates_the_streak_row_first_the_engagement_lands_on_it(app: App) -> None:
    """Between reading "no streak yet" and inserting the first row, another writer (a second replica) may insert
    it: the insert then changes nothing, and the engagement is applied on top of the row that won (here across
    two question days the member spent on vacation, which the retry must excuse as the first attempt would)."""
    with app.db.transaction() as s:
        channel, user = _member(s, app)
        away = [_post(s, channel, seq) for seq in (4, 5)]
        s.add(Vacation(tenant_id=user.tenant_id, user_id=user.id, start_day=away[0].question_day,
                       end_day=away[-1].question_day + timedelta(days=1), created_at=START))
        s.flush()
        connection = s.connection()
        won = {"tenant_id": user.tenant_id, "channel_id": channel.id, "user_id": user.id, "current": 3,
               "longest": 4, "last_seq": 3, "freezes": 1, "saved": 0, "broken_run": 0, "broken_gap": 0,
               "updated_at": START}
        raced: list[str] = []

        def insert_first(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if not raced and statement.lstrip().upper().startswith("INSERT") and "streaks" in statement:
                raced.append(statement)
                conn.execute(insert(Streak.__table__).values(**won))  # type: ignore[attr-defined]

        event.listen(connection, "before_cursor_execute", insert_first)
        try:
            before, after = engagement.advance_streak(s, user.tenant_id, channel.id, user.id, 6, START)  # type: ignore[arg-type]
        finally:
            event.remove(connection, "before_cursor_execute", insert_first)
        assert raced, "the first engagement inserts the streak row"
        assert before == StreakState(current=3, longest=4, last_seq=3, freezes=1)
        assert after == StreakState(current=4, longest=4, last_seq=6, freezes=1)  # days 4 and 5 excused
        s.expire_all()
        assert engagement.state_of(s.exec(select(Streak)).one()) == after


def test_award_is_once_per_reason_and_reference_in_the_channel_calendar(app: App) -> None:
    late = START.replace(day=8, hour=23, minute=30)  # a Sunday in UTC, already Monday (a new week) in Tokyo
    with app.db.transaction() as s:
        channel, user = _member(s, app, "Asia/Tokyo")
        assert engagement.award(s, user, channel.id, Reason.CORRECT_ANSWER, "item:x", 2, late)
        assert not engagement.award(s, user, channel.id, Reason.CORRECT_ANSWER, "item:x", 2, late)
        assert engagement.award(s, user, channel.id, Reason.PARTICIPATION, "item:x", 1, late)
        next_day = late.date() + timedelta(days=1)
        assert _points(s, user) == {key: 3 for key in keys_for(next_day)}
        assert engagement.award(s, user, None, Reason.PARTICIPATION, "no-channel", 4, late)  # UTC calendar
        assert _points(s, user)[keys_for(late.date())[2]] == 4


def test_state_of_reads_every_field_into_its_place(app: App) -> None:
    with app.db.transaction() as s:
        channel, user = _member(s, app)
        row = engagement.streak_row(s, channel.id, user, START)  # type: ignore[arg-type]
        assert engagement.state_of(row) == StreakState()
        wanted = StreakState(current=3, longest=11, last_seq=17, freezes=2, saved=5, broken_run=7, broken_gap=13)
        later = START + timedelta(hours=1)
        engagement.store_state(row, wanted, later)
        s.add(row)
        s.flush()
        fresh = s.exec(select(Streak).where(Streak.id == row.id)).one()
        assert engagement.state_of(fresh) == wanted
        assert (fresh.current, fresh.longest, fresh.last_seq) == (3, 11, 17)
        assert (fresh.freezes, fresh.saved, fresh.broken_run, fresh.broken_gap) == (2, 5, 7, 13)
        assert fresh.updated_at.replace(tzinfo=None) == later.replace(tzinfo=None)
        assert engagement.streak_row(s, channel.id, user, later).id == row.id  # type: ignore[arg-type]


def test_advance_streak_writes_the_state_it_returns(app: App) -> None:
    with app.db.transaction() as s:
        channel, user = _member(s, app)
        before, after = engagement.advance_streak(s, user.tenant_id, channel.id, user.id, 1, START)  # type: ignore[arg-type]
        assert (before, after) == (StreakState(), StreakState(1, 1, 1))
        before, after = engagement.advance_streak(s, user.tenant_id, channel.id, user.id, 2, START)  # type: ignore[arg-type]
        assert (before, after) == (StreakState(1, 1, 1), StreakState(2, 2, 2))
        same = engagement.advance_streak(s, user.tenant_id, channel.id, user.id, 2, START)  # type: ignore[arg-type]
        assert same == (after, after)
        s.expire_all()
        assert engagement.state_of(s.exec(select(Streak)).one()) == StreakState(2, 2, 2)


def test_reveal_and_self_grade_once_each(app: App) -> None:
    with app.db.transaction() as s:
        channel, user = _member(s, app)
        post = _post(s, channel, 1)
        assert engagement.reveal(s, post, user, "button", START)
        assert not engagement.reveal(s, post, user, "reaction", START)
        assert [r.via for r in s.exec(select(Reveal)).all()] == ["button"]
        assert engagement.self_grade(s, post, user, Grade.GOOD, START)
        assert not engagement.self_grade(s, post, user, Grade.EASY, START)
        assert [g.grade for g in s.exec(select(SelfGrade)).all()] == ["good"]
        review = s.exec(select(ReviewState)).one()
        assert (review.question_id, review.reviews) == ("q1", 1)
        assert _ledger(s) == [("participation", f"post:{post.id}", 1)]


def test_self_grade_refuses_an_unknown_grade_and_changes_nothing(app: App) -> None:
    with app.db.transaction() as s:
        channel, user = _member(s, app)
        post = _post(s, channel, 1)
        with pytest.raises(ValueError, match="unknown grade 'perfect': one of again, hard, good, easy"):
            engagement.self_grade(s, post, user, "perfect", START)  # type: ignore[arg-type]
        assert s.exec(select(SelfGrade)).all() == [] and _ledger(s) == []
    assert tuple(engagement.GRADES) == ("again", "hard", "good", "easy")


def test_a_member_has_one_streak_per_channel(app: App) -> None:
    with app.db.transaction() as s:
        channel, user = _member(s, app)
        tenant = s.get(Tenant, channel.tenant_id)
        assert tenant is not None
        other = ensure_channel(s, tenant, "C2", "", app.services.defaults, START)
        engagement.participate(s, _post(s, channel, 1), user, START)
        first = engagement.streak_row(s, channel.id, user, START)  # type: ignore[arg-type]
        second = engagement.streak_row(s, other.id, user, START)  # type: ignore[arg-type]
        assert first.id != second.id and (first.channel_id, second.channel_id) == (channel.id, other.id)
        assert (first.current, second.current) == (1, 0)
        # and one per member: a second member of the channel gets a row of their own
        bea = ensure_user(s, tenant, "U2", "bea", START)
        theirs = engagement.streak_row(s, channel.id, bea, START)  # type: ignore[arg-type]
        assert theirs.id not in (first.id, second.id) and (theirs.user_id, theirs.current) == (bea.id, 0)
        assert engagement.streak_row(s, channel.id, user, START).id == first.id  # type: ignore[arg-type]


def test_points_land_in_the_calendar_the_caller_names_and_the_ledger_keeps_the_channel(app: App) -> None:
    late = START.replace(day=8, hour=23, minute=30)  # Sunday in UTC, Monday in Tokyo
    with app.db.transaction() as s:
        channel, user = _member(s, app)  # a UTC channel
        post = _post(s, channel, 1)
        assert engagement.participate(s, post, user, late, timezone="Asia/Tokyo").counted
        assert _points(s, user) == {key: 1 for key in keys_for(late.date() + timedelta(days=1))}
        assert s.exec(select(PointsEntry.channel_id)).all() == [channel.id]
