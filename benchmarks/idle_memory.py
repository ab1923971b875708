"""5. Idle resident memory of ``studybot run`` with both platforms' fakes connected: Slack in HTTP mode against
fakes/slack_fake.py and, when the Discord adapter and its fake are there and work, Discord against
fakes/discord_fake.py. The baseline is a bare ``python -c "import time; time.sleep(30)"``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.common import ROOT, Databases, Row, Section, env_without, fmt, peak_rss_kib, progress, rss_kib
from benchmarks.procs import Child

READY_LIMIT = 90.0
DISCORD_APP_ID = "900000000000000001"
DISCORD_TOKEN = base64.b64encode(DISCORD_APP_ID.encode()).decode().rstrip("=") + ".GaBcDe.benchmark-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def discord_available() -> tuple[bool, str]:
    if not (ROOT / "adapters" / "discord").is_dir() or not (ROOT / "tests" / "fakes" / "discord_fake.py").exists():
        return False, "adapters/discord/ or fakes/discord_fake.py is missing"
    try:
        import adapters.discord.runner  # noqa: F401
        from fakes.discord_fake import FakeDiscord, Guild  # noqa: F401
    except Exception as exc:
        return False, f"importing the Discord adapter or its fake failed: {type(exc).__name__}: {exc}"
    return True, ""


async def wait_ready(port: int, child: Child, limit: float) -> tuple[bool, str]:
    """Polls /readyz until it answers 200, the process ends, or ``limit`` seconds pass."""
    deadline = time.monotonic() + limit
    last = "no answer"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        while time.monotonic() < deadline:
            if child.proc.poll() is not None:
                return False, f"exited with {child.proc.returncode}: {child.tail(8)}"
            try:
                async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                    last = f"{response.status} {await response.text()}"
                    if response.status == 200:
                        return True, last
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.25)
    return False, f"/readyz never answered 200 within {limit:.0f} s (last: {last}): {child.tail(8)}"


async def measure_run(url: str, workdir: Path, idle: float, with_discord: bool) -> dict[str, Any]:
    from fakes.slack_fake import FakeSlack

    slack = await FakeSlack().start()
    discord: Any = None
    try:
        port = free_port()
        extra: dict[str, Any] = {
            "DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-T1-idle", "SLACK_SIGNING_SECRET": "idle-signing-secret",
            "SLACK_API_URL": slack.api_url, "STUDYBOT_HTTP_PORT": port, "STUDYBOT_HTTP_HOST": "127.0.0.1",
        }
        if with_discord:
            from fakes.discord_fake import FakeDiscord, Guild

            discord = await FakeDiscord(guilds=[Guild(111, "Study", {211: "general"}, {311: "alice"})]).start()
            extra |= {"DISCORD_TOKEN": DISCORD_TOKEN, "DISCORD_API_BASE": discord.api_base,
                      "DISCORD_GATEWAY_URL": discord.gateway_url}
        env = env_without(("STUDYBOT_", "SLACK_", "DISCORD_", "DATABASE_URL"), **extra)
        studybot = str(Path(sys.executable).parent / "studybot")
        tag = "slack-discord" if with_discord else "slack"
        child = Child([studybot, "run"], workdir / f"run-{tag}-{url.split(':')[0]}.log", env=env, cwd=workdir)
        try:
            started = time.monotonic()
            ready, detail = await wait_ready(port, child, READY_LIMIT)
            if not ready:
                return {"ready": False, "detail": detail}
            ready_after = time.monotonic() - started
            checks = json.loads(detail.split(" ", 1)[1]).get("checks", {})
            await asyncio.sleep(idle)
            rss, peak = rss_kib(child.pid), peak_rss_kib(child.pid)
        finally:
            code = child.stop()
        return {"ready": True, "rss": rss, "peak": peak, "ready_after": ready_after, "checks": checks,
                "exit": code}
    finally:
        if discord is not None:
            await discord.stop()
        await slack.stop()


async def bare_python() -> int:
    child = Child([sys.executable, "-c", "import time; time.sleep(30)"], Path("/dev/null"))
    try:
        await asyncio.sleep(1.0)
        return rss_kib(child.pid)
    finally:
        child.stop()


async def run(databases: Databases, backends: list[str], quick: bool, workdir: Path) -> Section:
    idle = 2.0 if quick else 5.0
    section = Section(5, "Idle resident memory of `studybot run`")
    available, why_not = discord_available()
    section.method = [
        "`studybot run` (the installed console script) as a subprocess on an empty database, with Slack in HTTP "
        "mode (`SLACK_BOT_TOKEN`, `SLACK_SIGNING_SECRET`, `SLACK_API_URL` at `fakes/slack_fake.py`) and "
        "Discord (`DISCORD_TOKEN`, `DISCORD_API_BASE`, `DISCORD_GATEWAY_URL` at `fakes/discord_fake.py`); "
        f"once `/readyz` answers 200, {idle:.0f} s idle, then VmRSS from `/proc/PID/status`.",
        "Baseline: VmRSS of `python -c \"import time; time.sleep(30)\"` (the same interpreter) after 1 s.",
    ]
    baseline = await bare_python()
    for backend in backends:
        url = databases.fresh(backend, "idle")
        with_discord = available
        progress(f"5 idle memory [{backend}]: studybot run with Slack" + (" and Discord" if with_discord else ""))
        m = await measure_run(url, workdir, idle, with_discord)
        if not m["ready"] and with_discord:
            section.notes.append(f"{backend}: with Discord, `studybot run` did not become ready: {m['detail']}; "
                                 "measured with Slack alone instead.")
            with_discord = False
            m = await measure_run(databases.fresh(backend, "idle"), workdir, idle, False)
        if not m["ready"]:
            section.rows.append(Row(backend, "VmRSS idle (MiB)", "not ready", fmt(baseline / 1024, 1), "–", "–", "–"))
            section.notes.append(f"{backend}: `studybot run` did not become ready: {m['detail']}")
            continue
        platforms = "Slack + Discord" if with_discord else "Slack only"
        progress(f"5 idle memory [{backend}]: {m['rss'] / 1024:.0f} MiB ({platforms})")
        section.rows.append(Row(backend, f"VmRSS after {idle:.0f} s idle (MiB), {platforms}", fmt(m["rss"] / 1024, 1),
                                fmt(baseline / 1024, 1), f"{m['rss'] / baseline:.1f}", "– (no target set)", "–"))
        section.notes.append(
            f"{backend}: ready after {m['ready_after']:.1f} s (/readyz checks {m['checks']}); peak resident size "
            f"while starting {m['peak'] / 1024:.1f} MiB; exit code after SIGTERM {m['exit']}."
        )
        if with_discord:
            alone = await measure_run(databases.fresh(backend, "idle"), workdir, idle, False)
            if alone["ready"]:
                section.rows.append(Row(backend, f"VmRSS after {idle:.0f} s idle (MiB), Slack only",
                                        fmt(alone["rss"] / 1024, 1), fmt(baseline / 1024, 1),
                                        f"{alone['rss'] / baseline:.1f}", "– (no target set)", "–"))
    if not available:
        section.notes.append(f"Discord could not be included: {why_not}.")
    return section
