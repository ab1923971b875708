"""1. Event throughput: reveal-by-reaction events through ``Core.handle`` per second, against the same rows
written with plain SQLAlchemy Core, one transaction per event, in the same run.

Each event is a new member reacting 👀 to today's question: dedupe (processed event), reveal, participation,
streak and points (the ledger entry and the member's running totals for all time, the month and the week). The
members exist already (created before the clock starts, for both sides), so both sides write the same eight rows
per event.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event, func, select

from benchmarks.common import (
    Databases,
    Posted,
    RecordingPort,
    Row,
    Section,
    fmt,
    make_app,
    post_todays_question,
    progress,
    verdict,
)
from bot.bootstrap import App
from bot.clock import ManualClock
from bot.events import Origin, ReactionAdded
from bot.rules.periods import keys_for
from bot.storage.models import Participation, PointsEntry, PointsTotal, ProcessedEvent, Reveal, Streak, User

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # a Tuesday
TIME_BUDGET = 240.0  # seconds per timed loop, whatever N
PROFILE_EVENTS = 50  # extra events (not timed) whose SQL is counted
TARGET = 0.5


async def _setup(url: str, members: int) -> tuple[App, RecordingPort, Posted, list[int]]:
    app = make_app(url, ManualClock(NOW))
    port = RecordingPort()
    posted = await post_todays_question(app, port)
    users = User.__table__  # type: ignore[attr-defined]
    with app.db.engine.begin() as conn:
        conn.execute(users.insert(), [
            {"tenant_id": posted.tenant_id, "external_id": f"U{i}", "display_name": f"U{i}", "created_at": NOW}
            for i in range(members)
        ])
        rows = conn.execute(select(users.c.external_id, users.c.id).where(users.c.external_id.like("U%"))).all()
    by_name = dict(rows)
    return app, port, posted, [by_name[f"U{i}"] for i in range(members)]


def _reaction(posted: Posted, i: int) -> ReactionAdded:
    return ReactionAdded(Origin("bench", "T1", "C1", f"U{i}", event_id=f"Ev{i:08d}"), posted.message_id, "👀")


def _raw_event(conn: Any, posted: Posted, user_id: int, i: int) -> None:
    tables = [m.__table__ for m in (ProcessedEvent, Reveal, Participation, PointsEntry, PointsTotal, Streak)]  # type: ignore[attr-defined]
    processed, reveals, participations, points, totals, streaks = tables
    conn.execute(processed.insert(), {"platform": "bench", "tenant_key": "T1", "event_id": f"Ev{i:08d}",
                                      "created_at": NOW})
    conn.execute(reveals.insert(), {"tenant_id": posted.tenant_id, "post_id": posted.post_id, "user_id": user_id,
                                    "via": "reaction", "created_at": NOW})
    conn.execute(participations.insert(), {"tenant_id": posted.tenant_id, "channel_id": posted.channel_id,
                                           "post_id": posted.post_id, "user_id": user_id, "seq": posted.seq,
                                           "question_day": posted.question_day, "created_at": NOW})
    conn.execute(points.insert(), {"tenant_id": posted.tenant_id, "user_id": user_id,
                                   "channel_id": posted.channel_id, "reason": "participation",
                                   "ref_key": f"post:{posted.post_id}", "points": 1, "created_at": NOW})
    conn.execute(totals.insert(), [{"tenant_id": posted.tenant_id, "user_id": user_id, "period": key, "points": 1,
                                    "reached_at": NOW} for key in keys_for(NOW.date())])
    conn.execute(streaks.insert(), {"tenant_id": posted.tenant_id, "channel_id": posted.channel_id,
                                    "user_id": user_id, "current": 1, "longest": 1, "last_seq": posted.seq,
                                    "freezes": 0, "saved": 0, "broken_run": 0, "broken_gap": 0, "updated_at": NOW})


@contextmanager
def sql_profile(engine: Engine) -> Iterator[dict[str, float]]:
    """Counts statements (without BEGIN), transactions and the time spent executing SQL while the block runs."""
    stats = {"statements": 0.0, "transactions": 0.0, "sql_seconds": 0.0}
    starts: list[float] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        starts.append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        stats["sql_seconds"] += time.perf_counter() - starts.pop()
        if not statement.lstrip().upper().startswith("BEGIN"):
            stats["statements"] += 1

    def begin(conn: Any) -> None:
        stats["transactions"] += 1

    hooks: list[tuple[str, Callable[..., None]]] = [
        ("before_cursor_execute", before), ("after_cursor_execute", after), ("begin", begin)
    ]
    for name, fn in hooks:
        event.listen(engine, name, fn)
    try:
        yield stats
    finally:
        for name, fn in hooks:
            event.remove(engine, name, fn)


def _figures(done: int, elapsed: float, profile: dict[str, float], profiled: float) -> dict[str, float]:
    """A side's rate, and its SQL per event from the profiled events."""
    return {"events": done, "seconds": elapsed, "eps": done / elapsed,
            "statements": profile["statements"] / PROFILE_EVENTS,
            "transactions": profile["transactions"] / PROFILE_EVENTS,
            "sql_ms": profile["sql_seconds"] / PROFILE_EVENTS * 1000, "ms": profiled / PROFILE_EVENTS * 1000}


def _count(app: App, model: Any) -> int:
    with app.db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model.__table__)).scalar() or 0)


async def measure_core(url: str, n: int) -> dict[str, float]:
    app, port, posted, _ = await _setup(url, n + PROFILE_EVENTS)
    try:
        sent_before, processed_before = len(port.sent), _count(app, ProcessedEvent)
        started = time.perf_counter()
        done = 0
        for i in range(n):
            await app.core.handle(_reaction(posted, i), port)
            done += 1
            if time.perf_counter() - started > TIME_BUDGET:
                break
        elapsed = time.perf_counter() - started
        replies = len(port.sent) - sent_before
        counts = {m.__name__: _count(app, m) for m in (Reveal, Participation, PointsEntry, Streak)}
        counts["PointsTotal / 3"] = _count(app, PointsTotal) // 3  # all time, month, week per member
        processed = _count(app, ProcessedEvent) - processed_before
        with sql_profile(app.db.engine) as profile:
            t0 = time.perf_counter()
            for i in range(n, n + PROFILE_EVENTS):
                await app.core.handle(_reaction(posted, i), port)
            profiled = time.perf_counter() - t0
        if port.errors() or any(c != done for c in counts.values()) or processed != done or replies != done:
            raise RuntimeError(f"core run incomplete: {done} events, rows {counts}, processed {processed}, "
                               f"replies {replies}, errors {port.errors()[:3]}")
        return _figures(done, elapsed, profile, profiled)
    finally:
        app.close()


async def measure_raw(url: str, n: int) -> dict[str, float]:
    app, _port, posted, user_ids = await _setup(url, n + PROFILE_EVENTS)
    engine = app.db.engine
    try:
        started = time.perf_counter()
        done = 0
        for i in range(n):
            with engine.begin() as conn:
                _raw_event(conn, posted, user_ids[i], i)
            done += 1
            if time.perf_counter() - started > TIME_BUDGET:
                break
        elapsed = time.perf_counter() - started
        with sql_profile(engine) as profile:
            t0 = time.perf_counter()
            for i in range(n, n + PROFILE_EVENTS):
                with engine.begin() as conn:
                    _raw_event(conn, posted, user_ids[i], i)
            profiled = time.perf_counter() - t0
        if _count(app, Reveal) != done + PROFILE_EVENTS:
            raise RuntimeError("raw run incomplete")
        return _figures(done, elapsed, profile, profiled)
    finally:
        app.close()


async def run(databases: Databases, backends: list[str], quick: bool) -> Section:
    n = 300 if quick else 3000
    section = Section(1, "Event throughput (reveal by reaction)")
    section.method = [
        f"{n:,} `ReactionAdded` events (👀 on today's question) for {n:,} distinct members, one after another "
        "through `Core.handle(event, port)` with a port that only records replies; each event dedupes, reveals, "
        "counts participation, updates the streak and awards the point.",
        f"Baseline: the same {n:,} x 8 rows (processed event, reveal, participation, points ledger entry, the "
        "three running totals (all time, month, week; one executemany) and streak) inserted with plain SQLAlchemy "
        "Core on the same engine, one transaction per event, into a fresh database set up the same way.",
        "Both sides start from an empty schema (migrated) with today's question posted and the members created.",
        f"SQL counts and time in SQL come from {PROFILE_EVENTS} further events per side (not timed).",
    ]
    for backend in backends:
        progress(f"1 throughput [{backend}]: raw SQLAlchemy, {n} events")
        raw = await measure_raw(databases.fresh(backend, "throughput-raw"), n)
        progress(f"1 throughput [{backend}]: raw {raw['eps']:.0f} events/s; now the core")
        core = await measure_core(databases.fresh(backend, "throughput-core"), n)
        progress(f"1 throughput [{backend}]: core {core['eps']:.0f} events/s")
        r = core["eps"] / raw["eps"]
        section.rows.append(Row(backend, "events/s (core vs raw inserts)", fmt(core["eps"], 0), fmt(raw["eps"], 0),
                                f"{r:.2f}", f"≥ {TARGET}", verdict(r >= TARGET)))
        section.notes.append(
            f"{backend}: core {core['events']:,.0f} events in {core['seconds']:.1f} s "
            f"({core['ms']:.2f} ms/event: {core['statements']:.0f} SQL statements in "
            f"{core['transactions']:.0f} transaction{'' if round(core['transactions']) == 1 else 's'}, "
            f"{core['sql_ms']:.2f} ms executing SQL); raw "
            f"{raw['events']:,.0f} events in {raw['seconds']:.1f} s ({raw['ms']:.2f} ms/event: "
            f"{raw['statements']:.0f} statements in {raw['transactions']:.0f} transaction, "
            f"{raw['sql_ms']:.2f} ms executing SQL)."
        )
        if r < TARGET:
            why = (f"The core issues {core['statements']:.0f} statements in {core['transactions']:.0f} transaction(s) "
                   f"per event where the rows need {raw['statements']:.0f} in 1: the three reads it needs (what the "
                   "reaction points at, the member's team, the streak as it stands) and an insert that might be a "
                   "duplicate for each row. "
                   f"{core['sql_ms']:.2f} of the {core['ms']:.2f} ms per event are spent executing SQL; the rest is "
                   "SQLAlchemy running each statement and the handler's own work.")
            section.notes.append(f"{backend}: MISS. {why}")
    return section
