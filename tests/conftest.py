"""Shared fixtures: a real database (SQLite always; PostgreSQL when STUDYBOT_TEST_DATABASE_URL is set) and the
console adapter as the test harness, driving the whole bot as a user."""

from __future__ import annotations

import io
import os
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import create_engine, text

from adapters.console.session import ConsoleSession
from bot.bootstrap import App, bootstrap
from bot.clock import ManualClock
from bot.settings import Settings

PG_URL = os.environ.get("STUDYBOT_TEST_DATABASE_URL")
START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday


def _schema() -> str:
    """A schema of this test process's own, so that concurrent runs on one database never meet."""
    return f"studybot_test_{os.getpid()}"


def reset_postgres(url: str) -> str:
    """Empty this process's schema and return ``url`` pointed at it (through the connection's search_path)."""
    base = url.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = _schema()
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if PG_URL:
        engine = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {_schema()} CASCADE"))
        engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A fresh, empty database: PostgreSQL when configured for this run, else a SQLite file."""
    if PG_URL:
        return reset_postgres(PG_URL)
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def make_app(database_url: str, clock: ManualClock, **overrides: object) -> App:
    settings = Settings(database_url=database_url, selection_seed="tests", **overrides)  # type: ignore[arg-type]
    return bootstrap(settings, clock=clock, rng=random.Random(3))


@pytest.fixture
def app(database_url: str, clock: ManualClock) -> Iterator[App]:
    application = make_app(database_url, clock)
    yield application
    application.close()


class Harness:
    """The console adapter in-process: ``await h.run(lines)`` returns what the bot printed for those lines."""

    def __init__(self, app: App, clock: ManualClock, files_dir: Path):
        self.buffer = io.StringIO()
        self.console = Console(file=self.buffer, width=200, force_terminal=False, color_system=None)
        # Pictures the console saves (the /stats heatmap) go to files_dir, never into the checkout.
        self.session = ConsoleSession(app, self.console, clock, files_dir=files_dir)
        self.app = app
        self.clock = clock

    @property
    def port(self):
        return self.session.port

    async def run(self, *lines: str) -> str:
        start = self.buffer.tell()
        for line in lines:
            await self.session.run_line(line)
        self.buffer.seek(start)
        out = self.buffer.read()
        self.buffer.seek(0, io.SEEK_END)
        return out


@pytest.fixture
def harness(app: App, clock: ManualClock, tmp_path: Path) -> Harness:
    return Harness(app, clock, files_dir=tmp_path / "files")
