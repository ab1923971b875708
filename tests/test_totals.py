"""Running totals: members' and teams' points per period stay equal to what the ledger and the memberships say,
through awards, duplicates, team moves, concurrency and the migration that backfills them."""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from bot.bootstrap import App
from bot.clock import ManualClock
from bot.posts.extras import post_extras
from bot.rules.periods import keys_for, local_day, week_key
from bot.services import standings, teams
from bot.services.directory import ensure_channel, ensure_tenant, ensure_user
from bot.services.engagement import award
from bot.storage.backfill import rebuild_totals
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import Channel, PointsEntry, PointsTotal, Team, TeamMember, TeamTotal, User
from tests.conftest import START, Harness, make_app

ZONES = ("UTC", "America/Sao_Paulo", "Asia/Tokyo")


def _setup(app: App, members: int, team_names: tuple[str, ...]) -> tuple[int, list[int], list[int], list[int]]:
    """A tenant with a channel per zone, ``members`` members and the named teams (created by member 0)."""
    defaults = app.services.defaults
    with app.db.transaction() as s:
        tenant = ensure_tenant(s, "console", "T1", "", START)
        channels = []
        for n, zone in enumerate(ZONES):
            channel = ensure_channel(s, tenant, f"C{n}", "", defaults, START)
            channel.timezone = zone
            s.add(channel)
            channels.append(channel.id)
        users = [ensure_user(s, tenant, f"U{n}", f"member{n:02d}", START).id for n in range(members)]
        creator = s.get(User, users[0])
        team_ids = [teams.create(s, creator, name, START).id for name in team_names]
        teams.leave(s, creator)
        return tenant.id, channels, users, team_ids  # type: ignore[return-value]


def _snapshot(s: Session) -> tuple[dict, dict, dict]:
    members = {(r.tenant_id, r.user_id, r.period): r.points for r in s.exec(select(PointsTotal)).all() if r.points}
    team_rows = {(r.team_id, r.period): r.points for r in s.exec(select(TeamTotal)).all() if r.points}
    sizes = {team.id: team.member_count for team in s.exec(select(Team)).all()}
    return members, team_rows, sizes


def _reached(s: Session) -> dict:
    return {(r.user_id, r.period): r.reached_at for r in s.exec(select(PointsTotal)).all() if r.points}


def _expected(s: Session) -> tuple[dict, dict, dict]:
    """The totals recomputed here from the ledger, the channels' zones and the memberships."""
    zone_of = {c.id: c.timezone for c in s.exec(select(Channel)).all()}
    members: dict = defaultdict(int)
    for entry in s.exec(select(PointsEntry)).all():
        moment = entry.created_at if entry.created_at.tzinfo else entry.created_at.replace(tzinfo=UTC)
        for key in keys_for(local_day(moment, zone_of.get(entry.channel_id, "UTC"))):
            members[(entry.tenant_id, entry.user_id, key)] += entry.points
    team_of = {(m.tenant_id, m.user_id): m.team_id for m in s.exec(select(TeamMember)).all()}
    team_rows: dict = defaultdict(int)
    sizes = {team.id: 0 for team in s.exec(select(Team)).all()}
    for (tenant_id, user_id, key), points in members.items():
        if (tenant_id, user_id) in team_of:
            team_rows[(team_of[(tenant_id, user_id)], key)] += points
    for team_id in team_of.values():
        sizes[team_id] += 1
    return {k: v for k, v in members.items() if v}, {k: v for k, v in team_rows.items() if v}, sizes


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_totals_follow_awards_duplicates_and_team_moves(app: App, seed: int) -> None:
    rng = random.Random(seed)
    _, channels, users, team_ids = _setup(app, 8, ("Owls", "Larks", "Hawks"))
    moment = START
    for step in range(150):
        moment += timedelta(hours=rng.choice((1, 5, 11, 23)))  # crosses days, weeks and months in three zones
        user_id = rng.choice(users)
        with app.db.transaction() as s:
            user = s.get(User, user_id)
            roll = rng.random()
            if roll < 0.65:
                ref = f"r{rng.randrange(60)}"  # repeats: a duplicate award adds nothing
                award(s, user, rng.choice(channels), "participation", ref, rng.choice((1, 2, 5)), moment)
            elif roll < 0.9:
                teams.join(s, user, s.get(Team, rng.choice(team_ids)), moment)
            else:
                teams.leave(s, user)
        if step % 25 == 24:
            with app.db.transaction() as s:
                assert _snapshot(s) == _expected(s)
    with app.db.transaction() as s:
        before, reached = _snapshot(s), _reached(s)
        assert before == _expected(s)
        assert before[0], "the run awarded points"
    with app.db.engine.begin() as conn:
        rebuild_totals(conn)
    with app.db.transaction() as s:  # the backfill agrees with what award() and the moves kept
        assert _snapshot(s) == before and _reached(s) == reached


def test_a_point_counts_in_the_week_and_month_of_the_channel_where_it_was_earned(app: App) -> None:
    tenant_id, channels, users, _ = _setup(app, 2, ())
    sunday_night_utc = datetime(2026, 3, 8, 22, 0, tzinfo=UTC)  # already Monday 9 March in Tokyo
    with app.db.transaction() as s:
        award(s, s.get(User, users[0]), channels[0], "participation", "a", 1, sunday_night_utc)  # UTC channel
        award(s, s.get(User, users[1]), channels[2], "participation", "b", 1, sunday_night_utc)  # Tokyo channel
    with app.db.transaction() as s:
        first_week = [u.name for u in standings.user_leaderboard(s, tenant_id, "week:2026-03-02")]
        second_week = [u.name for u in standings.user_leaderboard(s, tenant_id, "week:2026-03-09")]
        all_time = [(u.name, u.points) for u in standings.user_leaderboard(s, tenant_id, "all")]
    assert first_week == ["member00"] and second_week == ["member01"]
    assert all_time == [("member00", 1), ("member01", 1)]


def test_ties_go_to_whoever_reached_the_points_first(app: App) -> None:
    tenant_id, channels, users, _ = _setup(app, 14, ())
    with app.db.transaction() as s:
        for n, user_id in enumerate(users):
            points = 9 if n == 13 else (3 if n < 12 else 1)  # one leader, twelve tied, one behind
            reached = START + timedelta(minutes=20 - n)  # the later the member, the earlier they got there
            award(s, s.get(User, user_id), channels[0], "participation", "x", points, reached)
    with app.db.transaction() as s:
        board = standings.user_leaderboard(s, tenant_id, "all")
    expected = [("member13", 9)] + [(f"member{n:02d}", 3) for n in range(11, 2, -1)]
    assert [(u.name, u.points) for u in board] == expected


def test_team_score_is_the_mean_of_current_members_and_moves_with_them(app: App) -> None:
    tenant_id, channels, users, (owls, larks) = _setup(app, 3, ("Owls", "Larks"))
    with app.db.transaction() as s:
        alice, bob, carol = (s.get(User, u) for u in users)
        teams.join(s, alice, s.get(Team, owls), START)
        teams.join(s, bob, s.get(Team, owls), START)
        award(s, alice, channels[0], "participation", "a", 6, START)
        award(s, carol, channels[0], "participation", "c", 5, START)  # before joining: carried in
        teams.join(s, carol, s.get(Team, larks), START)
    with app.db.transaction() as s:
        board = [(t.name, t.score, t.members, t.total) for t in standings.team_leaderboard(s, tenant_id, "all")]
    assert board == [("Larks", 5.0, 1, 5), ("Owls", 3.0, 2, 6)]
    with app.db.transaction() as s:
        teams.join(s, s.get(User, users[0]), s.get(Team, larks), START)  # alice moves with her 6 points
    with app.db.transaction() as s:
        board = [(t.name, t.score, t.members, t.total) for t in standings.team_leaderboard(s, tenant_id, "all")]
    assert board == [("Larks", 5.5, 2, 11)]  # Owls: bob alone with 0 points is not listed


def test_concurrent_awards_and_team_moves_of_one_member_keep_team_totals_exact(database_url: str) -> None:
    """One thread awards a member points while another keeps moving them between teams and out: on PostgreSQL
    the all-time row lock orders the two, so no point lands in a team the member has just left."""
    app = make_app(database_url, ManualClock(START))
    try:
        tenant_id, channels, users, team_ids = _setup(app, 2, ("Owls", "Larks"))
        errors: list[BaseException] = []
        barrier = threading.Barrier(3)

        def awarding(user_id: int, prefix: str) -> None:
            try:
                barrier.wait()
                for n in range(60):
                    with app.db.transaction() as s:
                        award(s, s.get(User, user_id), channels[0], "participation", f"{prefix}{n}", 1, START)
            except BaseException as exc:  # reported below
                errors.append(exc)

        def moving() -> None:
            try:
                barrier.wait()
                for n in range(60):
                    with app.db.transaction() as s:
                        user = s.get(User, users[0])
                        if n % 3 == 2:
                            teams.leave(s, user)
                        else:
                            teams.join(s, user, s.get(Team, team_ids[n % 2]), START)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=awarding, args=(users[0], "a")),
            threading.Thread(target=awarding, args=(users[1], "b")),
            threading.Thread(target=moving),
        ]
        with app.db.transaction() as s:
            teams.join(s, s.get(User, users[1]), s.get(Team, team_ids[0]), START)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        with app.db.transaction() as s:
            snapshot = _snapshot(s)
            assert snapshot == _expected(s)
            assert snapshot[0][(tenant_id, users[0], "all")] == 60
    finally:
        app.close()


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_the_migration_backfills_totals_from_an_existing_ledger(database_url: str) -> None:
    db = Database(database_url)
    try:
        upgrade(db, "0004")
        created = "2026-03-08 23:30:00" if db.backend == "sqlite" else "2026-03-08 23:30:00+00"
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO tenants (id, platform, external_id, name, created_at) "
                    "VALUES (1, 'console', 'T1', '', :t)"
                ),
                {"t": created},
            )
            conn.execute(
                text(
                    "INSERT INTO channels (id, tenant_id, external_id, name, deck_id, categories, language, timezone, "
                    "post_time, days, reveal_emoji, enabled, weekly_day, failures, created_at, updated_at) VALUES "
                    "(1, 1, 'C1', '', 'starter', '', 'en', 'Europe/Berlin', '09:00', 'daily', 'x', true, 'mon', 0, "
                    ":t, :t)"
                ),
                {"t": created},
            )
            for n in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO users (id, tenant_id, external_id, display_name, created_at) "
                        "VALUES (:n, 1, :e, :e, :t)"
                    ),
                    {"n": n, "e": f"U{n}", "t": created},
                )
            conn.execute(
                text(
                    "INSERT INTO teams (id, tenant_id, name, name_key, created_by, created_at) "
                    "VALUES (1, 1, 'Owls', 'owls', 1, :t)"
                ),
                {"t": created},
            )
            conn.execute(
                text("INSERT INTO team_members (tenant_id, team_id, user_id, joined_at) VALUES (1, 1, 1, :t)"),
                {"t": created},
            )
            for n, (user, points) in enumerate(((1, 1), (1, 5), (2, 2))):
                conn.execute(
                    text(
                        "INSERT INTO points_ledger (tenant_id, user_id, channel_id, reason, ref_key, points, "
                        "created_at) VALUES (1, :u, 1, 'participation', :r, :p, :t)"
                    ),
                    {"u": user, "r": f"r{n}", "p": points, "t": created},
                )
        upgrade(db)
        with Session(db.engine) as s:
            members, team_rows, sizes = _snapshot(s)
        monday = week_key(datetime(2026, 3, 9).date())  # 23:30 UTC on Sunday is Monday in Berlin
        assert members == {
            (1, 1, "all"): 6,
            (1, 1, "month:2026-03"): 6,
            (1, 1, monday): 6,
            (1, 2, "all"): 2,
            (1, 2, "month:2026-03"): 2,
            (1, 2, monday): 2,
        }
        assert team_rows == {(1, "all"): 6, (1, "month:2026-03"): 6, (1, monday): 6} and sizes == {1: 1}
    finally:
        db.dispose()


async def test_weekly_post_shows_the_last_full_week(harness: Harness) -> None:
    """With the weekly post on Wednesdays, Monday and Tuesday of this week wait for next week's post."""
    await harness.run(
        "/studybot schedule 09:00 UTC daily", "/studybot weekly wed", ":next-day", ":as bob", ":react 👀"
    )  # Monday 2 March
    for _ in range(7):
        await harness.run(":as alice", ":next-day")  # to Monday 9 March
    await harness.run(":as carol", ":react 👀", ":as alice", ":next-day", ":next-day")  # Wednesday 11 March
    wednesday = datetime(2026, 3, 11, 9, 30, tzinfo=UTC)
    harness.clock.set(wednesday)
    await post_extras(harness.app.services, {"console": harness.port}, wednesday)
    weekly = [m for _, m in harness.port.sent if m.kind == "leaderboard" and "Last week" in (m.title or "")]
    assert len(weekly) == 1
    assert "bob: 1 pt" in weekly[0].body and "carol" not in weekly[0].body


def test_rebuild_totals_command_repairs_drifted_totals(app: App, database_url: str, tmp_path) -> None:
    from tests.test_cli import run

    _, channels, users, (owls,) = _setup(app, 3, ("Owls",))
    with app.db.transaction() as s:
        teams.join(s, s.get(User, users[0]), s.get(Team, owls), START)
        for n, user_id in enumerate(users):
            award(s, s.get(User, user_id), channels[n], "participation", "p", n + 1, START)
    with app.db.transaction() as s:
        good = _snapshot(s)
    with app.db.engine.begin() as conn:  # drift, as a hand edit of the database would leave it
        conn.execute(text("UPDATE points_totals SET points = points + 7"))
        conn.execute(text("DELETE FROM team_totals"))
    result = run("db", "rebuild-totals", env={"DATABASE_URL": database_url}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "rebuilt 9 member totals and 3 team totals; teams with members: 1" in result.stdout
    with app.db.transaction() as s:
        assert _snapshot(s) == good
