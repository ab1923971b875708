"""2. Daily fan-out: 10,000 channels due at the same minute, posted by ``bot.posts.due.post_due`` through a fake
platform whose every post takes 50 ms. Wall time, achieved concurrency and peak memory; the baseline is the
ideal wall time, 10,000 x 50 ms / concurrency.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from benchmarks.common import (
    Databases,
    Row,
    Section,
    fmt,
    make_app,
    peak_rss_kib,
    progress,
    reset_peak_rss,
    rss_kib,
    verdict,
)
from bot.clock import ManualClock
from bot.messages import Message
from bot.ports import Capabilities, ChannelRef
from bot.posts.due import DEFAULT_CONCURRENCY, due_posts, post_due
from bot.storage.models import Channel, DailyPost, Tenant

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # a Tuesday: no weekly leaderboard is due
LATENCY = 0.050
TIME_LIMIT = 600.0  # seconds: the fan-out is cancelled after this
CHANNELS_PER_TENANT = 100
TARGET = 2.0
# (timezone, local post time) pairs that all fall on NOW (09:00 UTC on 2026-03-03)
ZONES = (("UTC", "09:00"), ("Europe/Berlin", "10:00"), ("America/Sao_Paulo", "06:00"), ("Asia/Tokyo", "18:00"),
         ("America/New_York", "04:00"), ("Asia/Kolkata", "14:30"))


class SlowPort:
    """A platform where every post takes ``latency`` seconds; counts the posts in flight."""

    platform = "bench"
    capabilities = Capabilities(ephemeral=True, threads=True, spoilers=False, buttons=True, direct_messages=True)

    def __init__(self, latency: float):
        self.latency = latency
        self.in_flight = 0
        self.max_in_flight = 0
        self.posts = 0
        self.busy_seconds = 0.0  # sum over posts of the time spent in post()

    async def post(self, channel: ChannelRef, message: Message, *, thread: str | None = None, **_: Any) -> str:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        started = time.perf_counter()
        try:
            await asyncio.sleep(self.latency)
            self.posts += 1
            return f"{channel.channel_id}-{self.posts}"
        finally:
            self.in_flight -= 1
            self.busy_seconds += time.perf_counter() - started

    async def reply(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def edit(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def upload(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def send_direct(self, *args: Any, **kwargs: Any) -> None:
        return None


def insert_channels(engine: Any, count: int, deck: str) -> None:
    tenants = Tenant.__table__  # type: ignore[attr-defined]
    channels = Channel.__table__  # type: ignore[attr-defined]
    n_tenants = max(1, count // CHANNELS_PER_TENANT)
    with engine.begin() as conn:
        conn.execute(tenants.insert(), [
            {"platform": "bench", "external_id": f"T{t}", "name": f"team {t}", "created_at": NOW}
            for t in range(n_tenants)
        ])
        ids = dict(conn.execute(select(tenants.c.external_id, tenants.c.id)).all())
        rows = []
        for i in range(count):
            zone, at = ZONES[i % len(ZONES)]
            rows.append({
                "tenant_id": ids[f"T{i % n_tenants}"], "external_id": f"C{i}", "name": f"study-{i}", "deck_id": deck,
                "categories": "", "language": "en" if i % 3 else "pt-BR", "timezone": zone, "post_time": at,
                "days": "daily", "reveal_emoji": "👀", "enabled": True, "weekly_day": "mon", "eod_time": None,
                "failures": 0, "notice": None, "created_at": NOW, "updated_at": NOW,
            })
        conn.execute(channels.insert(), rows)


@contextmanager
def transaction_time(db: Any) -> Iterator[dict[str, float]]:
    """Adds up the time spent inside ``db.transaction()`` blocks, on the event loop's thread and on others.
    On the loop's thread it is synchronous work during which no post can start or finish."""
    totals = {"loop": 0.0, "threads": 0.0, "count": 0.0}
    lock = threading.Lock()
    loop_thread = threading.get_ident()
    original = db.transaction

    @contextmanager
    def timed() -> Iterator[Any]:
        started = time.perf_counter()
        try:
            with original() as session:
                yield session
        finally:
            elapsed = time.perf_counter() - started
            with lock:
                totals["loop" if threading.get_ident() == loop_thread else "threads"] += elapsed
                totals["count"] += 1

    db.transaction = timed
    try:
        yield totals
    finally:
        db.transaction = original


async def measure(url: str, count: int, concurrency: int) -> dict[str, float]:
    clock = ManualClock(NOW)
    app = make_app(url, clock)
    try:
        started = time.perf_counter()
        insert_channels(app.db.engine, count, app.settings.default_deck)
        setup = time.perf_counter() - started
        due_started = time.perf_counter()
        due = len(due_posts(app.services, NOW))
        due_seconds = time.perf_counter() - due_started
        if due != count:
            raise RuntimeError(f"{due} channels due instead of {count}")
        port = SlowPort(LATENCY)
        reset = reset_peak_rss()
        rss_before = rss_kib()
        with transaction_time(app.db) as in_transactions:
            started, cpu_started = time.perf_counter(), time.process_time()
            results = await asyncio.wait_for(
                post_due(app.services, {"bench": port}, NOW, concurrency=concurrency), TIME_LIMIT
            )
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
        peak = peak_rss_kib() - rss_before if reset else float("nan")
        posted = sum(1 for r in results if r.status == "posted")
        with app.db.engine.connect() as conn:
            sent = conn.execute(select(func.count()).select_from(DailyPost).where(DailyPost.status == "sent")).scalar()
        return {"wall": wall, "posted": posted, "sent_rows": int(sent or 0), "max_in_flight": port.max_in_flight,
                "peak_mib": peak / 1024, "setup": setup, "due_seconds": due_seconds,
                "on_loop": in_transactions["loop"], "in_threads": in_transactions["threads"],
                "transactions": in_transactions["count"], "cpu": cpu,
                "busy": port.busy_seconds}
    finally:
        app.close()


async def run(databases: Databases, backends: list[str], quick: bool) -> Section:
    count = 1_000 if quick else 10_000
    concurrency = DEFAULT_CONCURRENCY
    ideal = count * LATENCY / concurrency
    section = Section(2, "Daily fan-out")
    section.method = [
        f"{count:,} enabled channels ({count // CHANNELS_PER_TENANT:,} tenants, six timezones whose local post "
        "times all fall on 2026-03-03 09:00 UTC, a Tuesday, so no weekly leaderboard is due), inserted with "
        "SQLAlchemy Core; then one `bot.posts.due.post_due(services, {\"bench\": port}, now, "
        f"concurrency={concurrency})` (`bot.posts.due.DEFAULT_CONCURRENCY`).",
        f"The port's `post()` sleeps {LATENCY * 1000:.0f} ms and counts the calls in flight.",
        f"Baseline: the ideal wall time {count:,} x {LATENCY * 1000:.0f} ms / {concurrency} = {ideal:.1f} s. "
        "Peak memory: growth of the process's peak resident size (VmHWM, reset before the fan-out) over its "
        "resident size when the fan-out began.",
    ]
    for backend in backends:
        progress(f"2 fan-out [{backend}]: {count} channels, concurrency {concurrency}")
        m = await measure(databases.fresh(backend, "fanout"), count, concurrency)
        progress(f"2 fan-out [{backend}]: {m['wall']:.1f} s, {m['max_in_flight']} in flight at most")
        complete = m["posted"] == count and m["sent_rows"] == count
        r = m["wall"] / ideal
        section.rows += [
            Row(backend, "wall time (s)", fmt(m["wall"], 1), fmt(ideal, 1), f"{r:.2f}", f"≤ {TARGET:.0f}x baseline",
                verdict(r <= TARGET and complete)),
            Row(backend, "achieved concurrency (max posts in flight)", str(m["max_in_flight"]), str(concurrency),
                f"{m['max_in_flight'] / concurrency:.2f}", "–", "–"),
            Row(backend, "peak memory growth (MiB)", fmt(m["peak_mib"], 1), "–", "–", "–", "–"),
        ]
        in_db = m["on_loop"] + m["in_threads"]
        section.notes.append(
            f"{backend}: {m['posted']:,} of {count:,} posted ({m['sent_rows']:,} rows marked sent); channels "
            f"inserted in {m['setup']:.1f} s; finding the due channels took {m['due_seconds']:.2f} s. "
            f"{m['transactions']:,.0f} database transactions: {m['on_loop']:.1f} s inside them on the event loop's "
            f"thread (time in which no post can start or finish), {m['in_threads']:.1f} s in worker threads "
            "(summed; they overlap each other and the posts). The benchmark process used "
            f"{m['cpu']:.1f} s of CPU during the fan-out ({m['cpu'] / count * 1000:.2f} ms per channel, "
            f"{m['cpu'] / m['wall']:.0%} of the wall time)"
            + (", PostgreSQL's own CPU not counted." if backend == "postgresql" else ".")
        )
        if r > TARGET:
            if m["on_loop"] > 0.5 * m["wall"]:
                fix = ("Every post runs its transactions (claim, then mark sent) synchronously on the event loop, so "
                       "the loop is blocked for the sum of them while the posts wait. Running them in worker threads "
                       "(`asyncio.to_thread`) or on an async driver, and claiming in batches, would let the 50 ms "
                       "posts overlap the database work.")
            elif m["cpu"] > 0.7 * m["wall"]:
                fix = (f"The transactions run in worker threads, but the process is busy {m['cpu'] / m['wall']:.0%} "
                       f"of the time: {m['cpu'] / count * 1000:.1f} ms of CPU per channel (mostly Python running the "
                       "claim's and the mark's statements through SQLAlchemy and the driver), and the GIL serializes "
                       "that whatever the threads. Claiming and marking posts in batches (one transaction and a few "
                       "statements for many channels) would cut the per-channel cost.")
            else:
                fix = (f"The transactions run in worker threads ({in_db:.1f} s inside them, summed), and the process "
                       f"is busy only {m['cpu'] / m['wall']:.0%} of the time: posts wait for the database. "
                       "`asyncio.to_thread` uses the default pool of min(32, cores + 4) threads "
                       f"({min(32, (os.cpu_count() or 1) + 4)} here), which caps the transactions in flight below the "
                       "20 posts in flight; a pool sized to the concurrency, and claims in batches, would help.")
            section.notes.append(f"{backend}: MISS. {fix}")
    return section
