"""Exactly once under faults, Discord: scheduler replicas (real processes, ``benchmarks/discord_replica.py``)
post every channel's daily question through the fake Discord while they are killed at random (SIGKILL in the
middle of a tick) and Discord fails at random: posts refused (503, nothing created), posts created whose answer is
lost (503 after creating: the sender does not know), posts answered 500 after creating (discord.py sends the same
request again: the nonce makes Discord return the first message), and recovery lookups failing (503). Before
each round of ticks the fake forgets its nonces, as if minutes had passed, so only the lookup can recognise a post
that went out. Counted at the fake: daily questions per channel and question day. Target: every one exactly 1
(0 lost, 0 doubled). The baseline is that ideal, 1 post per channel-day.

SQLite runs one replica (SQLite is for one process; it is still killed and restarted), PostgreSQL two.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import signal
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from benchmarks.common import ROOT, Databases, Row, Section, env_without, make_app, progress, verdict
from bot.events import CommandInvoked, Origin
from bot.posts.daily import CLAIM_LEASE
from bot.storage.models import DailyPost
from fakes.discord_fake import FakeDiscord, Guild

NUMBER = 6
TITLE = "Exactly once under faults (Discord)"
GUILD = 130000000000000001
FIRST_CHANNEL = 230000000000000001
TOKEN = "OTAwMDAwMDAwMDAwMDAwMDAx.Bench.discord-exactly-once"
FIRST_DAY = date(2026, 3, 2)
ROUNDS = 6  # ticks per replica per question day, a lease apart: enough for every fault to be recovered
KILL = 0.15  # chance a replica is killed during one of its ticks
KILL_WAIT = 1.0  # seconds: the longest a kill waits for its number of create-message calls
POST_DELAY = 0.05  # seconds between Discord creating a message and the sender hearing back
POST_FAULTS = (("before", 0.08), ("after", 0.08), ("retry", 0.02))  # chances per create-message call
LOOKUP_FAULT = 0.15  # chance a message listing fails
TICK_TIMEOUT = 120.0
DAY_RE = re.compile(r"Question of the day · (\d{4}-\d{2}-\d{2})")


@dataclass
class Outcome:
    replicas: int
    channels: int
    days: int
    per_channel_day: Counter = field(default_factory=Counter)
    kills: int = 0
    faults: Counter = field(default_factory=Counter)
    nonce_hits: int = 0
    lookups: int = 0
    recorded: int = 0  # posts marked sent in the database

    @property
    def expected(self) -> int:
        return self.channels * self.days

    @property
    def lost(self) -> int:
        return self.expected - len(self.per_channel_day)

    @property
    def doubled(self) -> int:
        return sum(1 for n in self.per_channel_day.values() if n > 1)


class Replica:
    """One ``benchmarks.discord_replica`` process; stderr goes to a log file."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log = env, log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as err:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "benchmarks.discord_replica", env=self.env, cwd=ROOT,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=err)
        await self._line("READY")

    async def _line(self, prefix: str) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout=TICK_TIMEOUT)
            if not line:
                raise RuntimeError(f"the replica ended (exit {self.proc.returncode}); see {self.log}")
            text = line.decode().strip()
            if text.startswith(prefix):
                return text[len(prefix):].strip()

    async def tick(self, at: datetime, kill_after: int | None, posts: Callable[[], int]) -> dict[str, Any] | None:
        """Run the tick; with ``kill_after``, SIGKILL the replica once Discord has received that many more
        create-message calls (or after ``KILL_WAIT`` seconds), and start a new one."""
        assert self.proc is not None and self.proc.stdin is not None
        before = posts()
        self.proc.stdin.write(f"{at.isoformat()}\n".encode())
        await self.proc.stdin.drain()
        if kill_after is None:
            return json.loads(await self._line("TICK"))
        deadline = asyncio.get_running_loop().time() + KILL_WAIT
        while posts() < before + kill_after and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.002)
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        await self.start()
        return None

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


async def _enable(url: str, channels: list[int]) -> None:
    app = make_app(url)

    class Quiet:  # the set-up commands' replies are not measured
        platform = "discord"

        async def reply(self, *args: object, **kwargs: object) -> None:
            return None

    try:
        for channel in channels:
            for n, text in enumerate(("schedule 09:00 UTC daily", "weekly off")):
                event = f"setup-{channel}-{n}"
                origin = Origin("discord", str(GUILD), str(channel), "1", is_admin=True, event_id=event)
                await app.core.handle(CommandInvoked(origin, "studybot", text), Quiet())  # type: ignore[arg-type]
    finally:
        app.close()


async def measure(url: str, replicas: int, channels: int, days: int, workdir: Path, seed: int) -> Outcome:
    rng = random.Random(seed)
    outcome = Outcome(replicas, channels, days)

    def post_fault(_channel: int) -> str | None:
        draw = rng.random()
        for kind, chance in POST_FAULTS:
            if draw < chance:
                outcome.faults[f"send {kind}"] += 1
                return kind
            draw -= chance
        return None

    def lookup_fault(_channel: int) -> bool:
        outcome.lookups += 1
        failed = rng.random() < LOOKUP_FAULT
        outcome.faults["lookup"] += failed
        return failed

    ids = [FIRST_CHANNEL + i for i in range(channels)]
    fake = await FakeDiscord(guilds=[Guild(GUILD, "Bench", {c: f"c{i}" for i, c in enumerate(ids)}, {})],
                             post_fault=post_fault, lookup_fault=lookup_fault, post_delay=POST_DELAY).start()

    def posts() -> int:
        return sum(1 for c in fake.calls if c.method == "POST" and c.path.endswith("/messages"))
    running: list[Replica] = []
    try:
        await _enable(url, ids)
        env = env_without(("STUDYBOT_", "DATABASE_URL", "SLACK_", "DISCORD_"), DATABASE_URL=url, DISCORD_TOKEN=TOKEN,
                          DISCORD_API_BASE=fake.api_base, DISCORD_GATEWAY_URL=fake.gateway_url,
                          STUDYBOT_LOG_LEVEL="ERROR", PYTHONPATH=str(ROOT))
        running = [Replica(env, workdir / f"discord-replica-{seed}-{n}.log") for n in range(replicas)]
        await asyncio.gather(*(r.start() for r in running))
        for n in range(days):
            start = datetime.combine(FIRST_DAY + timedelta(days=n), datetime.min.time(), tzinfo=UTC)
            for round_ in range(ROUNDS):
                fake.forget_nonces()  # minutes passed: only the lookup can recognise a post now
                at = start + timedelta(hours=9, seconds=30) + round_ * (CLAIM_LEASE + timedelta(minutes=1))
                kills = [rng.randint(1, channels) if rng.random() < KILL else None for _ in running]
                outcome.kills += sum(k is not None for k in kills)
                await asyncio.gather(*(r.tick(at, k, posts) for r, k in zip(running, kills, strict=True)))
            progress(f"   day {n + 1}/{days}: {len(fake.messages)} messages, {outcome.kills} kills")
        outcome.nonce_hits = fake.nonce_hits
        for message in fake.messages.values():
            for embed in message.get("embeds") or []:
                found = DAY_RE.search(embed.get("title") or "")
                if found:
                    outcome.per_channel_day[(message["channel_id"], found.group(1))] += 1
        app = make_app(url)
        try:
            with app.db.transaction() as session:
                outcome.recorded = sum(p.status == "sent" for p in session.exec(select(DailyPost)).all())
        finally:
            app.close()
    finally:
        await asyncio.gather(*(r.stop() for r in running))
        await fake.stop()
    return outcome


async def run(databases: Databases, backends: list[str], quick: bool, workdir: Path) -> Section:
    channels, days = (8, 3) if quick else (30, 10)
    section = Section(NUMBER, TITLE, method=[
        f"{channels} channels x {days} question days, {ROUNDS} scheduler rounds per day a lease apart; replicas are "
        f"`benchmarks/discord_replica.py` processes (1 on SQLite, 2 on PostgreSQL) posting through discord.py to the "
        f"fake Discord on 127.0.0.1.",
        f"Faults, drawn at random: a replica SIGKILLed in the middle of a tick's fan-out, after a random number of "
        f"its create-message calls, while answers are on their way ({KILL:.0%} of ticks; each answer takes "
        f"{POST_DELAY * 1000:.0f} ms; the replica is restarted); create-message calls refused before creating "
        f"({POST_FAULTS[0][1]:.0%}), created with the answer lost ({POST_FAULTS[1][1]:.0%}), created then "
        f"answered 500 so discord.py resends ({POST_FAULTS[2][1]:.0%}); message listings (the recovery lookup) "
        f"failing ({LOOKUP_FAULT:.0%}). "
        "Nonces are forgotten before every round.",
        "Counted at the fake: daily questions per channel and question day. Baseline: exactly 1 each.",
    ])
    for n, backend in enumerate(backends):
        replicas = 1 if backend == "sqlite" else 2
        progress(f"{NUMBER}. {backend}: {replicas} replica(s) x {channels} channels x {days} days")
        url = databases.fresh(backend, "exactly-once-discord")
        outcome = await measure(url, replicas, channels, days, workdir, seed=13 + n)
        posts = sum(outcome.per_channel_day.values())
        ok = outcome.lost == 0 and outcome.doubled == 0
        size = f"{replicas} x {channels} x {days}"
        section.rows.append(Row(
            backend, f"daily posts per channel-day ({size} replicas x channels x days; lost / doubled)",
            f"{posts} posts for {outcome.expected} channel-days: {outcome.lost} lost / {outcome.doubled} doubled",
            "1 per channel-day", f"{posts / outcome.expected:.3f}" if outcome.expected else "–",
            "every one exactly 1", verdict(ok)))
        faults = ", ".join(f"{k} {v}" for k, v in sorted(outcome.faults.items()))
        section.notes.append(
            f"{backend}: {outcome.kills} kills; faults injected: {faults}; {outcome.lookups} lookups; "
            f"{outcome.nonce_hits} resends answered with the existing message (nonce); {outcome.recorded} of "
            f"{outcome.expected} posts recorded as sent"
            + (" (the others went out but were not yet confirmed when their question day's rounds ended: never "
               "posted again, and never the day after)." if outcome.recorded < outcome.expected else "."))
    return section
