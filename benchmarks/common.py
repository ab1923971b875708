"""Shared by the benchmarks: databases to run on, the machine's figures, timing, memory and result rows."""

from __future__ import annotations

import os
import platform
import random
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlmodel import select

from bot.bootstrap import App, bootstrap
from bot.clock import Clock
from bot.events import CommandInvoked, Origin
from bot.messages import Kind, Message
from bot.ports import Capabilities, ChannelRef
from bot.settings import Settings
from bot.storage.models import DailyPost

PG_URL_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
PG_URL_ENV = "STUDYBOT_BENCH_DATABASE_URL"
DATABASES = ("sqlite", "postgresql")
ROOT = Path(__file__).resolve().parent.parent
_started = time.monotonic()


def progress(message: str) -> None:
    """One progress line on stdout, with the time since the run began."""
    elapsed = time.monotonic() - _started
    print(f"[{int(elapsed) // 60:02d}:{int(elapsed) % 60:02d}] {message}", flush=True)


def pg_url() -> str:
    return os.environ.get(PG_URL_ENV, PG_URL_DEFAULT)


def reset_postgres(url: str) -> None:
    """Drop and recreate the ``public`` schema: an empty database for the next measurement."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@dataclass
class Databases:
    """Hands out fresh, empty databases: a new SQLite file each time, or the PostgreSQL schema wiped."""

    workdir: Path
    _count: int = 0

    def fresh(self, backend: str, tag: str) -> str:
        if backend == "sqlite":
            self._count += 1
            path = self.workdir / f"{tag}-{self._count}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return f"sqlite:///{path}"
        url = pg_url()
        reset_postgres(url)
        return url


def make_app(url: str, clock: Clock | None = None) -> App:
    """The bot wired as ``studybot`` wires it (schema migrated), on ``url``, ignoring any ``.env`` file."""
    settings = Settings(database_url=url, selection_seed="bench", _env_file=None)  # type: ignore[call-arg]
    return bootstrap(settings, clock=clock, rng=random.Random(7))


class RecordingPort:
    """A ChatPort that records what the core sends and does nothing else."""

    capabilities = Capabilities(ephemeral=True, threads=True, spoilers=False, buttons=True, direct_messages=True)

    def __init__(self, platform: str = "bench"):
        self.platform = platform
        self.sent: list[tuple[str, Message]] = []
        self._ids = 0

    async def post(self, channel: ChannelRef, message: Message, *, thread: str | None = None, **_: Any) -> str:
        self._ids += 1
        self.sent.append(("post", message))
        return f"m{self._ids}"

    async def reply(self, origin: Origin, message: Message, *, private: bool) -> None:
        self.sent.append(("reply", message))

    async def edit(self, origin: Origin, message_id: str | None, message: Message) -> None:
        self.sent.append(("edit", message))

    async def upload(self, origin: Origin, message: Message, filename: str, data: bytes) -> None:
        self.sent.append(("upload", message))

    async def send_direct(self, tenant_id: str, user_id: str, message: Message) -> None:
        self.sent.append(("direct", message))

    def errors(self) -> list[str]:
        return [m.body or "" for _, m in self.sent if m.kind == Kind.ERROR]


# ---- figures ----


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def fmt(value: float, digits: int = 1, unit: str = "") -> str:
    if value != value:  # nan
        return "–"
    return f"{value:,.{digits}f}{unit}"


def ratio(measured: float, baseline: float, digits: int = 2) -> str:
    if not baseline or measured != measured or baseline != baseline:
        return "–"
    return f"{measured / baseline:.{digits}f}"


@dataclass
class Row:
    db: str
    figure: str
    measured: str
    baseline: str
    ratio: str
    target: str
    result: str  # PASS, MISS or "–" (no target)


@dataclass
class Section:
    number: int
    title: str
    method: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # markdown appended after the notes (plans, breakdowns)
    seconds: float = 0.0
    error: str | None = None

    @property
    def verdicts(self) -> list[str]:
        return [r.result for r in self.rows if r.result in ("PASS", "MISS")]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# ---- memory ----


def _status(pid: int | str = "self") -> dict[str, int]:
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            out[key] = int(value.split()[0])
    return out


def rss_kib(pid: int | str = "self") -> int:
    return _status(pid).get("VmRSS", 0)


def peak_rss_kib(pid: int | str = "self") -> int:
    return _status(pid).get("VmHWM", 0)


def reset_peak_rss() -> bool:
    """Reset this process's peak resident size (VmHWM) to its current size (Linux 4.0+); False when refused."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# ---- the machine ----


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": cpu,
        "cores": f"{os.cpu_count()} logical ({usable} usable by this process)",
        "memory": memory,
        "OS": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "Python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": postgres_version() or "not reachable",
    }


def postgres_version() -> str | None:
    try:
        engine = create_engine(pg_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
            settings = {
                name: conn.execute(text(f"SHOW {name}")).scalar()
                for name in ("shared_buffers", "work_mem", "synchronous_commit")
            }
        engine.dispose()
    except Exception:
        return None
    extra = ", ".join(f"{k}={v}" for k, v in settings.items())
    return f"{version} on {engine.url.host}:{engine.url.port or 5432} ({extra})"


def now_text() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def env_without(prefixes: tuple[str, ...], **extra: Any) -> dict[str, str]:
    """This process's environment without variables starting with ``prefixes``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update({k: str(v) for k, v in extra.items()})
    return env


# ---- a channel with today's question posted ----


@dataclass(frozen=True)
class Posted:
    tenant_id: int
    channel_id: int
    post_id: int
    seq: int
    question_day: Any
    message_id: str


async def post_todays_question(app: App, port: Any, tenant: str = "T1", channel: str = "C1",
                               admin: str = "UADMIN", schedule: str = "00:00 UTC daily") -> Posted:
    """As an admin would: ``/studybot schedule ...`` then ``/studybot post``, through the core and ``port``."""
    await schedule_channel(app, port, tenant, channel, admin, schedule)
    origin = Origin(port.platform, tenant, channel, admin, user_name=admin, is_admin=True, event_id="setup-post")
    await app.core.handle(CommandInvoked(origin, "studybot", "post"), port)
    with app.db.transaction() as session:
        post = session.exec(select(DailyPost).order_by(DailyPost.id.desc())).first()  # type: ignore[union-attr]
    if post is None or post.status != "sent" or post.message_id is None:
        raise RuntimeError(f"setup: today's question was not posted: {_errors(port)}")
    return Posted(post.tenant_id, post.channel_id, post.id or 0, post.seq, post.question_day, post.message_id)


async def schedule_channel(app: App, port: Any, tenant: str = "T1", channel: str = "C1", admin: str = "UADMIN",
                           schedule: str = "00:00 UTC daily") -> None:
    """``/studybot schedule ...`` by an admin: creates the tenant, the channel and the admin, turns posting on."""
    origin = Origin(port.platform, tenant, channel, admin, user_name=admin, is_admin=True, event_id="setup-schedule")
    await app.core.handle(CommandInvoked(origin, "studybot", f"schedule {schedule}"), port)
    if _errors(port):
        raise RuntimeError(f"setup: {_errors(port)}")


def _errors(port: Any) -> list[str]:
    return port.errors() if hasattr(port, "errors") else []
