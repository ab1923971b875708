"""3. Leaderboards and streaks at scale: 100,000 members and 1,000,000 participation rows (with their points
ledger entries, streaks and teams), then p50 and p99 of ``/leaderboard`` and ``/streak`` through ``Core.handle``.
The baseline is a primary-key lookup of one member in the same run.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, text

from benchmarks.common import (
    Databases,
    RecordingPort,
    Row,
    Section,
    fmt,
    make_app,
    percentile,
    progress,
    ratio,
    schedule_channel,
    verdict,
)
from bot.bootstrap import App
from bot.clock import ManualClock
from bot.events import CommandInvoked, Origin
from bot.storage.backfill import rebuild_totals
from bot.storage.models import User

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)  # a Thursday: "this week" holds four question days
DAYS = 100  # question days posted, one a day up to today
CALLS = 200
WARMUP = 3
CASE_BUDGET = 30.0  # seconds per timed case, whatever CALLS
TARGET_MS = 50.0
CASES = (
    ("/leaderboard users week", "leaderboard", "users week"),
    ("/leaderboard users all", "leaderboard", "users all"),
    ("/leaderboard teams all", "leaderboard", "teams all"),
    ("/streak", "streak", ""),
    ("/streak <@member> (a mention, as Slack sends it)", "streak", "<@{user}>"),
    ("/streak @name", "streak", "@{user}"),
)


def _ts(backend: str, value: datetime) -> Any:
    # SQLAlchemy stores DateTime on SQLite as this text (UTC); PostgreSQL takes the aware datetime (timestamptz).
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if backend == "sqlite" else value


def bulk_insert(engine: Engine, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL, one executemany in one transaction on SQLite."""
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
            raw.commit()
        else:
            cursor = raw.cursor()
            cursor.execute("BEGIN")
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
            cursor.execute("COMMIT")
            cursor.close()
    finally:
        raw.close()


def participations_of(j: int) -> int:
    """How many of the question days member ``j`` engaged with: 1 to 19, 10 on average over each pair."""
    d = (j // 2 * 7) % 10
    return 10 + d if j % 2 == 0 else 10 - d


def days_of(j: int) -> list[int]:
    """Which question days (0 = the oldest, DAYS - 1 = today) member ``j`` engaged with, all different."""
    return [(j * 7 + m * 5) % DAYS for m in range(participations_of(j))]


async def load(app: App, members: int, teams: int) -> dict[str, Any]:
    """Today's channel with DAYS question days, ``members`` members in ``teams`` teams, and 10 participations
    (each with its points ledger entry) per member on average; one streak row per member."""
    backend = app.db.backend
    engine = app.db.engine
    port = RecordingPort()
    await schedule_channel(app, port, admin="UADMIN")
    with engine.connect() as conn:
        tenant_id, channel_id, deck_id = conn.execute(text("SELECT tenant_id, id, deck_id FROM channels")).one()
        admin_id = conn.execute(text("SELECT id FROM users WHERE external_id = 'UADMIN'")).scalar_one()
    deck = app.services.catalog.get(deck_id)
    assert deck is not None
    questions = deck.question_ids("en")
    today = NOW.date()
    day_dates = [today - timedelta(days=DAYS - 1 - k) for k in range(DAYS)]
    slot = [datetime(d.year, d.month, d.day, 9, 0, tzinfo=UTC) for d in day_dates]
    ts = lambda v: _ts(backend, v)  # noqa: E731
    timings: dict[str, float] = {}

    started = time.perf_counter()
    bulk_insert(engine, "daily_posts", (
        "tenant_id", "channel_id", "question_day", "seq", "cycle", "deck_id", "question_id", "status", "message_id",
        "attempts", "claimed_at", "sent_at",
    ), [
        (tenant_id, channel_id, day_dates[k], k + 1, k // len(questions), deck_id, questions[k % len(questions)],
         "sent", f"m{k + 1}", 1, ts(slot[k]), ts(slot[k]))
        for k in range(DAYS)
    ])
    with engine.connect() as conn:
        post_ids = dict(conn.execute(text("SELECT seq, id FROM daily_posts")).all())
    post_of_day = [post_ids[k + 1] for k in range(DAYS)]
    bulk_insert(engine, "users", ("tenant_id", "external_id", "display_name", "created_at"), (
        (tenant_id, f"M{j}", f"member{j}", ts(slot[0])) for j in range(members)
    ))
    with engine.connect() as conn:
        ids = dict(conn.execute(text("SELECT external_id, id FROM users WHERE external_id LIKE 'M%'")).all())
    user_ids = [ids[f"M{j}"] for j in range(members)]
    timings["posts and members"] = time.perf_counter() - started

    started = time.perf_counter()

    def participations() -> Iterator[tuple[Any, ...]]:
        for j, uid in enumerate(user_ids):
            for k in days_of(j):
                yield (tenant_id, channel_id, post_of_day[k], uid, k + 1, day_dates[k],
                       ts(slot[k] + timedelta(seconds=j % 3600)))

    bulk_insert(engine, "participations",
                ("tenant_id", "channel_id", "post_id", "user_id", "seq", "question_day", "created_at"),
                participations())
    timings["participations"] = time.perf_counter() - started

    started = time.perf_counter()

    def ledger() -> Iterator[tuple[Any, ...]]:
        for j, uid in enumerate(user_ids):
            for k in days_of(j):
                yield (tenant_id, uid, channel_id, "participation", f"post:{post_of_day[k]}", 1,
                       ts(slot[k] + timedelta(seconds=j % 3600)))

    bulk_insert(engine, "points_ledger",
                ("tenant_id", "user_id", "channel_id", "reason", "ref_key", "points", "created_at"), ledger())
    timings["points ledger"] = time.perf_counter() - started

    started = time.perf_counter()

    def streaks() -> Iterator[tuple[Any, ...]]:
        for j, uid in enumerate(user_ids):
            days = days_of(j)
            last = max(days) + 1
            yield (tenant_id, channel_id, uid, len(days) % 8, len(days), last, j % 3, j % 5, 0, 0, ts(slot[last - 1]))

    bulk_insert(engine, "streaks", ("tenant_id", "channel_id", "user_id", "current", "longest", "last_seq",
                                    "freezes", "saved", "broken_run", "broken_gap", "updated_at"), streaks())
    bulk_insert(engine, "teams", ("tenant_id", "name", "name_key", "created_by", "created_at"), (
        (tenant_id, f"Team {t:04d}", f"team {t:04d}", admin_id, ts(slot[0])) for t in range(teams)
    ))
    with engine.connect() as conn:
        team_ids = [row[0] for row in conn.execute(text("SELECT id FROM teams ORDER BY id")).all()]
    bulk_insert(engine, "team_members", ("tenant_id", "team_id", "user_id", "joined_at"), (
        (tenant_id, team_ids[j % teams], uid, ts(slot[0])) for j, uid in enumerate(user_ids)
    ))
    timings["streaks and teams"] = time.perf_counter() - started

    started = time.perf_counter()
    with engine.begin() as conn:  # what the migration that introduced the running totals does to a ledger
        rebuild_totals(conn)
    timings["running totals from the ledger"] = time.perf_counter() - started

    started = time.perf_counter()
    if backend == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    timings["VACUUM ANALYZE" if backend == "postgresql" else "ANALYZE"] = time.perf_counter() - started
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("users", "participations", "points_ledger", "points_totals", "streaks", "team_members")}
    return {"timings": timings, "counts": counts, "user_ids": user_ids}


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[float, str, Any]]]:
    """(seconds, SQL, parameters) of every statement run while the block runs. A statement's seconds run from
    its start to the start of the next one (or the end of the block): executing it, fetching its rows and
    whatever Python does with them; SQLite fetches rows lazily, so execution time alone would hide them."""
    seen: list[tuple[float, str, Any]] = []
    marks: list[tuple[float, str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        marks.append((time.perf_counter(), statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        end = time.perf_counter()
        event.remove(engine, "before_cursor_execute", before)
        for (start, statement, parameters), following in zip(marks, [*marks[1:], (end, "", None)], strict=True):
            seen.append((following[0] - start, statement, parameters))


def explain(engine: Engine, statement: str, parameters: Any) -> list[str]:
    if engine.dialect.name == "postgresql":
        sql = "EXPLAIN (ANALYZE, BUFFERS) " + statement
    else:
        sql = "EXPLAIN QUERY PLAN " + statement
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(sql, parameters).all()
        conn.rollback()
    if engine.dialect.name == "postgresql":
        return [row[0] for row in rows]
    return [f"{'  ' * (1 if row[1] else 0)}{row[-1]}" for row in rows]


def one_line(sql: str, limit: int = 700) -> str:
    flat = re.sub(r"\s+", " ", sql).strip()
    return flat if len(flat) <= limit else flat[:limit] + " ..."


async def time_case(app: App, port: RecordingPort, name: str, text_: str, members: int, rng: random.Random,
                    tag: str, budget: float) -> tuple[list[float], int]:
    """Milliseconds of each call (at most CALLS, within ``budget`` seconds) and how many answered an error."""
    latencies: list[float] = []
    errors_before = len(port.errors())
    started = time.perf_counter()
    for i in range(WARMUP + CALLS):
        me, other = rng.randrange(members), rng.randrange(members)
        origin = Origin("bench", "T1", "C1", f"M{me}", event_id=f"{tag}-{i}")
        command = CommandInvoked(origin, name, text_.format(user=f"M{other}"))
        t0 = time.perf_counter()
        await app.core.handle(command, port)
        if i >= WARMUP:
            latencies.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() - started > budget:
            break
    return latencies, len(port.errors()) - errors_before


def pk_lookups(app: App, user_ids: list[int], rng: random.Random) -> list[float]:
    out = []
    for _ in range(CALLS):
        uid = rng.choice(user_ids)
        t0 = time.perf_counter()
        with app.db.transaction() as session:
            session.get(User, uid)
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def measure(url: str, members: int, teams: int, budget: float) -> dict[str, Any]:
    app = make_app(url, ManualClock(NOW))
    try:
        started = time.perf_counter()
        loaded = await load(app, members, teams)
        setup = time.perf_counter() - started
        progress(f"   loaded in {setup:.0f} s: {loaded['counts']}")
        rng = random.Random(11)
        port = RecordingPort()
        baseline = pk_lookups(app, loaded["user_ids"], rng)
        cases = {}
        for label, name, text_ in CASES:
            latencies, errors = await time_case(app, port, name, text_, members, rng, f"{name}-{len(cases)}", budget)
            slowest: tuple[float, str, Any] = (0.0, "", None)
            share, statements_seen = 0.0, 0
            for i in range(3):
                origin = Origin("bench", "T1", "C1", f"M{i}", event_id=f"profile-{label}-{i}")
                t0 = time.perf_counter()
                with statements(app.db.engine) as one_call:
                    await app.core.handle(CommandInvoked(origin, name, text_.format(user="M7")), port)
                call_seconds = time.perf_counter() - t0
                real = [s for s in one_call if not s[1].lstrip().upper().startswith("BEGIN")]
                statements_seen += len(real)
                top = max(real, key=lambda s: s[0], default=(0.0, "", None))
                if top[0] > slowest[0]:
                    slowest, share = top, top[0] / max(1e-9, call_seconds)
            cases[label] = {"latencies": latencies, "errors": errors, "slowest": slowest, "share": share,
                            "per_call": statements_seen / 3}
            p99 = percentile(latencies, 99)
            progress(f"   {label}: n={len(latencies)} p50={percentile(latencies, 50):.1f} ms p99={p99:.1f} ms")
            if p99 >= TARGET_MS and slowest[1]:
                try:
                    cases[label]["plan"] = explain(app.db.engine, slowest[1], slowest[2])
                except Exception as exc:  # a plan is a diagnosis, not a figure: report why there is none
                    cases[label]["plan"] = [f"(EXPLAIN failed: {type(exc).__name__}: {exc})"]
        return {"setup": setup, "loaded": loaded, "baseline": baseline, "cases": cases}
    finally:
        app.close()


async def run(databases: Databases, backends: list[str], quick: bool) -> Section:
    members = 10_000 if quick else 100_000
    teams = members // 100
    budget = 10.0 if quick else CASE_BUDGET
    rows = members * 10
    section = Section(3, "Leaderboards and streaks at scale")
    section.method = [
        f"{members:,} members of one workspace in {teams:,} teams, {DAYS} question days in one channel (one a "
        f"day up to 2026-03-05, a Thursday), {rows:,} participation rows (1 to 19 per member, 10 on average) "
        f"with their {rows:,} points ledger entries, and {members:,} streak rows; bulk-loaded (COPY on "
        "PostgreSQL, executemany on SQLite) into a freshly migrated schema; the running totals per member, team "
        "and period then rebuilt from that ledger by `bot.storage.backfill.rebuild_totals` (what the migration "
        "that introduced them runs), then `VACUUM ANALYZE`/`ANALYZE`.",
        f"Each command: {WARMUP} warm-up calls, then up to {CALLS} calls (at most {budget:.0f} s per command) "
        "through `Core.handle(CommandInvoked(...), port)` with a recording port, each by a random member with a "
        "new event id; latency is the whole `handle()` call. Where fewer than 100 calls fit in the time, the "
        "p99 is the slowest call.",
        f"Baseline: {CALLS} primary-key lookups of a random member (`session.get(User, id)` in "
        "`db.transaction()`), same run, same database.",
    ]
    for backend in backends:
        progress(f"3 standings [{backend}]: loading {members:,} members, {rows:,} participations")
        m = await measure(databases.fresh(backend, "standings"), members, teams, budget)
        b50, b99 = percentile(m["baseline"], 50), percentile(m["baseline"], 99)
        loaded = m["loaded"]
        setup_parts = ", ".join(f"{k} {v:.1f} s" for k, v in loaded["timings"].items())
        section.notes.append(f"{backend}: setup took {m['setup']:.1f} s ({setup_parts}); rows: "
                             + ", ".join(f"{k} {v:,}" for k, v in loaded["counts"].items()) + ".")
        for label, case in m["cases"].items():
            lat = case["latencies"]
            p50, p99 = percentile(lat, 50), percentile(lat, 99)
            ok = p99 < TARGET_MS and case["errors"] == 0
            target = f"p99 < {TARGET_MS:.0f} ms"
            section.rows.append(Row(backend, f"`{label}` p50 / p99 (ms), n={len(lat)}",
                                    f"{fmt(p50, 1)} / {fmt(p99, 1)}", f"{fmt(b50, 2)} / {fmt(b99, 2)}",
                                    ratio(p99, b99, 0), target, verdict(ok)))
            if case["errors"]:
                section.notes.append(f"{backend}: `{label}` answered {case['errors']} errors.")
            if not ok:
                seconds, sql, _ = case["slowest"]
                section.details.append(
                    f"**{backend}, `{label}`** ({case['per_call']:.0f} statements per call): the slowest statement "
                    f"took {seconds * 1000:.1f} ms with its rows fetched and processed ({case['share']:.0%} of "
                    "the whole call):\n\n"
                    f"```sql\n{one_line(sql)}\n```\n\n"
                    + ("```text\n" + "\n".join(case.get("plan", [])[:30]) + "\n```\n" if case.get("plan") else "")
                )
    missed = {r.figure.split("`")[1] for r in section.rows if r.result == "MISS"}
    if any(label.startswith("/leaderboard") for label in missed):
        section.notes.append(
            "The leaderboards read running totals per member, team and period (`points_totals`, `team_totals`), "
            "kept by `award()` and team moves; the plans below show which statement missed and why."
        )
    if any(label.startswith("/streak") for label in missed):
        section.notes.append(
            "The `/streak` misses come from finding the member and the streak row: the plans below show which "
            "statement; an index on what it filters by would make it one row."
        )
    return section
