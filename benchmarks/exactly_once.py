"""Benchmark 9: exactly once under faults, on Slack.

Replicas of the scheduler (``tests.replica_driver``, real processes) share one PostgreSQL database and post to the
fake Slack Web API, which fails on purpose: some ``chat.postMessage`` calls fail without posting, some post and
lose their answer, some ``conversations.history`` lookups fail, and Slack's clock is two minutes behind the
bot's. Replicas are SIGKILLed at random moments of their fan-outs and restarted. Every channel-day must end with
exactly one post on Slack (0 lost, 0 doubled), recorded as sent. The baseline is the same run without faults or
kills.

    python -m benchmarks.exactly_once [--quick]   (PostgreSQL only; writes its section into BENCHMARKS.md)

Uses its own schema (``bench_exactly_once``) in the benchmark database, so it never meets another run's tables.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.common import ROOT, Row, Section, pg_url, postgres_version, progress, verdict

NUMBER, TITLE = 9, "Exactly once under faults (Slack)"
SCHEMA = "bench_exactly_once"
SKEW = timedelta(seconds=120)  # the bot's clock ahead of Slack's
FIRST_DAY = date(2026, 3, 2)
LEASE_STEP = timedelta(minutes=6)  # a round every lease (5 min) and a minute: retries and recoveries can run


@dataclass(frozen=True)
class Sizes:
    replicas: int
    channels: int
    days: int
    rounds: int  # ticks per question day, LEASE_STEP apart, from 30 s after the slot


@dataclass(frozen=True)
class Faults:
    send: float = 0.0  # chat.postMessage answers an error and posts nothing
    lost_answer: float = 0.0  # chat.postMessage posts, then answers an error (the answer is lost)
    lookup: float = 0.0  # conversations.history answers an error
    kill: float = 0.0  # chance per round that a replica is SIGKILLed during its fan-out (then restarted)


FULL = Sizes(replicas=3, channels=30, days=20, rounds=10)
QUICK = Sizes(replicas=2, channels=8, days=4, rounds=8)
FAULTS = Faults(send=0.08, lost_answer=0.05, lookup=0.3, kill=0.35)
NO_FAULTS = Faults()
WALL_BUDGET = 900.0  # seconds per run: the loop stops there (and says so)
LOG = Path(tempfile.gettempdir()) / "studybot-bench-exactly-once.log"  # the replicas' stderr


def schema_url(base: str) -> str:
    """``base`` with this benchmark's own schema, emptied, as the search path."""
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{SCHEMA}"


class Replica:
    """A scheduler replica: a process that runs ``tick`` for each instant written to its stdin."""

    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc

    @classmethod
    async def start(cls, env: dict[str, str], attempts: int = 3) -> Replica:
        """A new replica, ready; a start that fails (a busy machine) is tried again, up to ``attempts`` times."""
        for attempt in range(attempts):
            with open(LOG, "ab") as log:
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "tests.replica_driver", env=env, cwd=ROOT,
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=log,
                )  # fmt: skip
            replica = cls(proc)
            try:
                ready = await replica.read()
                assert ready.get("ready"), ready
                return replica
            except (RuntimeError, AssertionError, TimeoutError):
                await replica.kill()
                if attempt == attempts - 1:
                    raise
                progress(f"{NUMBER}. a replica failed to start (see {LOG}); starting it again")
        raise AssertionError("unreachable")

    async def read(self) -> dict:
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout=120)  # type: ignore[union-attr]
        if not line:
            raise RuntimeError("a replica ended unexpectedly")
        return json.loads(line)

    async def send(self, at: datetime) -> None:
        self.proc.stdin.write(f"{at.isoformat()}\n".encode())  # type: ignore[union-attr]
        await self.proc.stdin.drain()  # type: ignore[union-attr]

    async def tick(self, at: datetime) -> dict:
        await self.send(at)
        return await self.read()

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()


@dataclass
class Outcome:
    expected: int = 0
    exactly_one: int = 0
    lost: int = 0
    doubled: int = 0
    not_recorded: int = 0  # channel-days posted once whose row is not "sent" with that message
    kills: int = 0
    ticks: int = 0
    calls: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    stopped_early: bool = False


async def _setup(url: str, fake, channels: list[str]) -> None:
    from sqlmodel import select

    from bot.bootstrap import bootstrap
    from bot.clock import ManualClock
    from bot.events import CommandInvoked, Origin
    from bot.settings import Settings
    from bot.storage.models import Channel

    settings = Settings(
        database_url=url, selection_seed="bench", slack_bot_token="xoxb-T1-token", slack_signing_secret="s",
        slack_api_url=fake.api_url, _env_file=None,  # type: ignore[call-arg]
    )  # fmt: skip
    app = bootstrap(settings, clock=ManualClock(datetime.combine(FIRST_DAY, datetime.min.time(), tzinfo=UTC)))

    class Quiet:
        platform = "slack"

        async def reply(self, *args, **kwargs) -> None:
            return None

    try:
        for channel in channels:
            origin = Origin("slack", "T1", channel, "UADMIN", is_admin=True, event_id=f"setup-{channel}")
            await app.core.handle(CommandInvoked(origin, "studybot", "schedule 09:00 UTC daily"), Quiet())  # type: ignore[arg-type]
        with app.db.transaction() as s:  # weekly leaderboards are posts of another kind: not what is counted
            for row in s.exec(select(Channel)).all():
                row.weekly_day = "off"
                s.add(row)
    finally:
        app.close()


def _count(url: str, fake, channels: list[str], sizes: Sizes, outcome: Outcome) -> None:
    """Posts on the fake Slack per channel-day (by the key in their metadata), against the database's rows."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.id, c.external_id, p.question_day, p.status, p.message_id FROM daily_posts p "
                "JOIN channels c ON c.id = p.channel_id"
            )
        ).all()
    engine.dispose()
    on_slack: dict[str, list[str]] = {}
    for messages in fake.history.values():
        for m in messages:
            meta = m.get("metadata") or {}
            if meta.get("event_type") == "studybot_daily_post":
                on_slack.setdefault(meta["event_payload"]["key"], []).append(m["ts"])
    by_day = {(channel, day.isoformat()): (post_id, status, message_id) for post_id, channel, day, status, message_id
              in rows}
    outcome.expected = len(channels) * sizes.days
    for channel in channels:
        for n in range(sizes.days):
            key = (channel, (FIRST_DAY + timedelta(days=n)).isoformat())
            post = by_day.get(key)
            posted = on_slack.get(f"studybot-post-{post[0]}", []) if post else []
            if not posted:
                outcome.lost += 1
            elif len(posted) > 1:
                outcome.doubled += 1
            else:
                outcome.exactly_one += 1
                if post is None or post[1] != "sent" or post[2] != posted[0]:
                    outcome.not_recorded += 1


async def simulate(base_url: str, sizes: Sizes, faults: Faults, seed: int) -> Outcome:
    """One run: set up the channels, then every question day's rounds of ticks, with the faults; then count."""
    from fakes.slack_fake import FakeSlack

    rng = random.Random(seed)
    url = schema_url(base_url)
    now = {"at": datetime.combine(FIRST_DAY, datetime.min.time(), tzinfo=UTC)}
    fake = await FakeSlack(
        clock=lambda: (now["at"] - SKEW).timestamp(),
        flaky={"chat.postMessage": faults.send, "conversations.history": faults.lookup},
        lose_answer=faults.lost_answer,
        rng=random.Random(seed + 1),
    ).start()
    channels = [f"C{i:03d}" for i in range(sizes.channels)]
    outcome = Outcome()
    replicas: list[Replica] = []
    started = time.monotonic()
    try:
        await _setup(url, fake, channels)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STUDYBOT_", "DATABASE_URL", "SLACK_"))}
        env |= {
            "DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-T1-token", "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": fake.api_url, "STUDYBOT_LOG_LEVEL": "ERROR", "STUDYBOT_SELECTION_SEED": "bench",
            "PYTHONPATH": str(ROOT),
        }  # fmt: skip
        replicas = [await Replica.start(env) for _ in range(sizes.replicas)]
        for n in range(sizes.days):
            if time.monotonic() - started > WALL_BUDGET:
                outcome.stopped_early = True
                break
            slot = datetime.combine(FIRST_DAY + timedelta(days=n), datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
            for r in range(sizes.rounds):
                at = slot + timedelta(seconds=30) + r * LEASE_STEP
                now["at"] = at
                victim = rng.randrange(len(replicas)) if rng.random() < faults.kill else None
                others = [rep for i, rep in enumerate(replicas) if i != victim]
                ticks = [asyncio.create_task(rep.tick(at)) for rep in others]
                if victim is not None:
                    doomed = replicas[victim]
                    await doomed.send(at)
                    await asyncio.sleep(rng.uniform(0.0, 0.25))  # somewhere in its fan-out
                    await doomed.kill()
                    outcome.kills += 1
                await asyncio.gather(*ticks)
                outcome.ticks += len(ticks)
                if victim is not None:
                    replicas[victim] = await Replica.start(env)
        outcome.calls = Counter(c.method for c in fake.calls)
        outcome.faults = Counter(fake.injected)
        _count(url, fake, channels, sizes if not outcome.stopped_early else Sizes(
            sizes.replicas, sizes.channels, n, sizes.rounds), outcome)  # fmt: skip
    finally:
        for replica in replicas:
            await replica.kill()
        await fake.stop()
    outcome.seconds = time.monotonic() - started
    return outcome


def section(result: Outcome, baseline: Outcome, sizes: Sizes, faults: Faults, quick: bool) -> Section:
    days = result.expected // max(sizes.channels, 1)
    method = [
        f"{sizes.replicas} scheduler replicas (real processes, `tests.replica_driver`) x {sizes.channels} channels x "
        f"{days} question days on one PostgreSQL database, posting to the fake Slack Web API on loopback; each day "
        f"{sizes.rounds} rounds of `tick`, {LEASE_STEP.seconds // 60} minutes apart from 30 s after the slot, all "
        "replicas at once.",
        f"Faults: `chat.postMessage` fails without posting ({faults.send:.0%}) or posts and loses its answer "
        f"({faults.lost_answer:.0%}); `conversations.history` fails ({faults.lookup:.0%}); Slack's clock is "
        f"{SKEW.seconds} s behind the bot's; in {faults.kill:.0%} of rounds one replica is SIGKILLed 0-250 ms into "
        "its fan-out and restarted.",
        "Counted on the fake Slack: daily posts per channel-day, by the key in their metadata; and whether the "
        "database recorded that very message as sent.",
        "Baseline: the same run with no faults and no kills.",
    ]
    exact = f"{result.exactly_one:,} of {result.expected:,}"
    rows = [
        Row("postgresql", "channel-days with exactly one post", exact, f"{baseline.exactly_one:,} of "
            f"{baseline.expected:,}", f"{result.exactly_one / max(result.expected, 1):.2f}",
            "every one: 0 lost, 0 doubled",
            verdict(result.lost == 0 and result.doubled == 0 and result.expected > 0
                    and result.exactly_one == result.expected and not result.stopped_early)),
        Row("postgresql", "lost / doubled channel-days", f"{result.lost} / {result.doubled}",
            f"{baseline.lost} / {baseline.doubled}", "–", "0 / 0", "–"),
        Row("postgresql", "posted once but not recorded as sent", str(result.not_recorded),
            str(baseline.not_recorded), "–", "0", "–"),
    ]
    calls, met = result.calls, result.faults
    notes = [
        f"Faults met: {result.kills} kills; of {calls['chat.postMessage']:,} `chat.postMessage` calls, "
        f"{met['chat.postMessage failed']:,} failed and {met['answer lost']:,} posted but lost their answer; of "
        f"{calls['conversations.history']:,} `conversations.history` lookups (one per retaken claim), "
        f"{met['conversations.history failed']:,} failed (outcome unknown: not posted, asked again later).",
        f"{result.ticks:,} ticks in {result.seconds:.0f} s (baseline {baseline.ticks:,} ticks in "
        f"{baseline.seconds:.0f} s).",
    ]
    if result.stopped_early:
        notes.append(f"Stopped at the {WALL_BUDGET:.0f} s budget: fewer days than planned were run.")
    if quick:
        notes.append("Quick mode: small sizes, a smoke run.")
    return Section(NUMBER, TITLE, method=method, rows=rows, notes=notes)


async def run(_databases=None, backends: list[str] | None = None, quick: bool = False, _workdir=None) -> Section:
    """The benchmark as ``benchmarks.run`` calls it (PostgreSQL only: replicas need a shared server)."""
    if backends is not None and "postgresql" not in backends:
        return Section(NUMBER, TITLE, notes=["Replicas need a shared server: PostgreSQL only, not run here."])
    if postgres_version() is None:
        return Section(NUMBER, TITLE, notes=[f"PostgreSQL at `{pg_url()}` was not reachable: not run."])
    sizes = QUICK if quick else FULL
    size = f"{sizes.replicas} replicas x {sizes.channels} channels x {sizes.days} days"
    progress(f"{NUMBER}. baseline: {size}, no faults")
    baseline = await simulate(pg_url(), sizes, NO_FAULTS, seed=11)
    progress(f"{NUMBER}. with faults and kills")
    result = await simulate(pg_url(), sizes, FAULTS, seed=12)
    return section(result, baseline, sizes, FAULTS, quick)


def splice(path: Path, sec: Section) -> None:
    """Put this benchmark's section (and its summary row) into BENCHMARKS.md, leaving the rest as it is."""
    from benchmarks.report import RunInfo, render

    info = RunInfo("", "", False, [], sec.seconds, {}, [], "", "")
    rendered = render(info, [sec])
    own = rendered[rendered.index(f"\n## {NUMBER}. "):].rstrip() + "\n"
    own += f"\n- Run on its own: `python -m benchmarks.exactly_once`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.\n"
    summary_rows = [line for line in rendered.splitlines() if line.startswith(f"| {NUMBER}. ")]
    current = path.read_text()
    pattern = re.compile(rf"\n## {NUMBER}\. .*?(?=\n## \d+\. |\Z)", re.DOTALL)
    current = pattern.sub("", current).rstrip() + "\n" + own
    lines = [line for line in current.splitlines() if not line.startswith(f"| {NUMBER}. ")]
    try:  # the summary table's rows end at the first blank line after its header
        start = next(i for i, line in enumerate(lines) if line.startswith("| benchmark | database | figure"))
        end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
        lines[end:end] = summary_rows
    except StopIteration:
        pass
    path.write_text("\n".join(lines).rstrip() + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.exactly_once", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a smoke run")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    started = time.monotonic()
    sec = asyncio.run(run(quick=args.quick))
    sec.seconds = time.monotonic() - started
    if args.output.exists():
        splice(args.output, sec)
    for row in sec.rows:
        print(f"  {row.figure}: {row.measured} (baseline {row.baseline}; target {row.target}) {row.result}")
    for note in sec.notes:
        print(f"  {note}")
    return 0 if all(r != "MISS" for r in sec.verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
