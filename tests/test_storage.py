"""The database: migrations match the models, SQLite settings, and concurrent writers across threads."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel, select

from bot.bootstrap import App
from bot.clock import ManualClock
from bot.posts.daily import post_daily
from bot.storage.db import Database
from bot.storage.migrate import current_revision, head_revision, upgrade
from bot.storage.models import DailyPost, Participation
from tests.conftest import Harness, make_app


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_match_the_models(database_url: str) -> None:
    db = Database(database_url)
    upgrade(db)
    upgrade(db)  # idempotent
    assert current_revision(db) == head_revision(db)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    db.dispose()
    assert diff == []


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    db.dispose()


def test_sqlite_file_in_a_new_directory_is_created(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'deep' / 'er' / 'x.db'}")
    upgrade(db)
    assert (tmp_path / "deep" / "er" / "x.db").exists()
    db.dispose()


def _run_in_thread(target, results: list, errors: list) -> threading.Thread:
    def run() -> None:
        try:
            results.append(asyncio.run(target()))
        except Exception as exc:  # recorded and asserted on below
            errors.append(exc)

    return threading.Thread(target=run)


async def test_racing_posts_from_threads_post_once(database_url: str, clock: ManualClock, tmp_path: Path) -> None:
    """Eight threads, each with its own event loop, claim the same (channel, question day) at once."""
    app: App = make_app(database_url, clock)
    try:
        h = Harness(app, clock, tmp_path / "files")
        await h.run("/studybot schedule 09:00 UTC daily")
        with app.db.transaction() as s:
            from bot.storage.models import Channel

            channel_id = s.exec(select(Channel.id)).one()
        day = clock.now().date()
        barrier = threading.Barrier(8)

        async def claim():
            barrier.wait()
            return (await post_daily(app.services, h.port, channel_id, day)).status

        results: list = []
        errors: list = []
        threads = [_run_in_thread(claim, results, errors) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        assert sorted(results) == ["already"] * 7 + ["posted"]
        with app.db.transaction() as s:
            assert len(s.exec(select(DailyPost)).all()) == 1
    finally:
        app.close()


async def test_concurrent_writers_never_hit_database_is_locked(
    database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    """Eight members react at once from eight threads: every reveal is recorded, none fails."""
    app: App = make_app(database_url, clock)
    try:
        h = Harness(app, clock, tmp_path / "files")
        await h.run("/studybot schedule 09:00 UTC daily", ":next-day")
        message_id = h.port.latest_daily_post
        barrier = threading.Barrier(8)
        from bot.events import Origin, ReactionAdded

        def reactor(n: int):
            async def react():
                barrier.wait()
                for round_ in range(5):
                    event = ReactionAdded(
                        Origin("console", "local", "general", f"m{n}", event_id=f"e{n}-{round_}"), message_id, "👀"
                    )
                    await app.core.handle(event, h.port)

            return react

        results: list = []
        errors: list = []
        threads = [_run_in_thread(reactor(n), results, errors) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        assert not [m for kind, m in h.port.sent if m.kind == "error"]
        with app.db.transaction() as s:
            assert len(s.exec(select(Participation)).all()) == 8
    finally:
        app.close()
