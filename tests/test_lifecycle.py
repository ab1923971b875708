"""The real processes (``studybot run``, ``studybot slack``, ``studybot discord``) when the platforms are
unreachable, silent, or send what discord.py cannot parse: they stop within 10 s on SIGTERM/SIGINT in every
state, log one warning line per failed attempt with growing delays and no traceback, serve ``/healthz`` from the
start and say in ``/readyz`` which platform is down, and reconnect after a crash."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from fakes.discord_fake import FakeDiscord, Guild
from tests.test_discord_cli import TOKEN as DISCORD_TOKEN
from tests.test_scheduler_processes import STUDYBOT, clean_env, free_port

pytestmark = pytest.mark.timeout(120)

STOP_LIMIT = 10.0
SLACK = {"SLACK_BOT_TOKEN": "xoxb-T1-token", "SLACK_SIGNING_SECRET": "0" * 32, "SLACK_APP_TOKEN": "xapp-1-A1-test"}


def closed_port() -> int:
    """A loopback port nothing listens on: connections are refused (the platform is unreachable)."""
    return free_port()


@asynccontextmanager
async def silent_server(held: list[asyncio.StreamWriter] | None = None) -> AsyncIterator[int]:
    """A loopback port that accepts connections (into ``held``) and never answers (a platform that hangs)."""
    held = [] if held is None else held

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()


class Proc:
    """A studybot process with its stderr collected as it comes."""

    def __init__(self, process: asyncio.subprocess.Process, http_port: int | None):
        self.process = process
        self.http_port = http_port
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.lines.append(line.decode(errors="replace"))

    @property
    def log(self) -> str:
        return "".join(self.lines)

    async def wait_for_log(self, pattern: str, count: int = 1, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(re.findall(pattern, self.log)) < count:
            if time.monotonic() > deadline or self.process.returncode is not None:
                raise AssertionError(f"no {count} x {pattern!r} in:\n{self.log[-3000:]}")
            await asyncio.sleep(0.05)

    async def get(self, path: str) -> tuple[int, Any]:
        async with aiohttp.ClientSession() as session, session.get(
            f"http://127.0.0.1:{self.http_port}{path}", timeout=aiohttp.ClientTimeout(total=5)
        ) as response:
            body = await response.json() if response.content_type == "application/json" else await response.text()
            return response.status, body

    async def wait_http(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if (await self.get("/healthz"))[0] == 200:
                    return
            except (TimeoutError, aiohttp.ClientError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the HTTP port never opened:\n{self.log[-3000:]}")
            await asyncio.sleep(0.1)

    async def wait_ready(self, ready: bool, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            status, body = await self.get("/readyz")
            if (status == 200) == ready:
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"/readyz stayed {status} {body}:\n{self.log[-3000:]}")
            await asyncio.sleep(0.02)

    async def stop(self, sig: int = signal.SIGTERM) -> float:
        """Send ``sig``; how long the process took to exit (it must exit 0)."""
        started = time.monotonic()
        self.process.send_signal(sig)
        await asyncio.wait_for(self.process.wait(), 30)
        took = time.monotonic() - started
        await self._reader
        assert self.process.returncode == 0, self.log[-3000:]
        return took

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        self._reader.cancel()


@asynccontextmanager
async def studybot(
    tmp_path: Path, *args: str, http: bool = True, preexec_fn: Any = None, **env: str
) -> AsyncIterator[Proc]:
    port = free_port()
    full = clean_env(**{"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "STUDYBOT_HTTP_PORT": str(port),
                        "STUDYBOT_METRICS_PORT": str(free_port()), **env})
    process = await asyncio.create_subprocess_exec(
        STUDYBOT, *args, env=full, cwd=tmp_path, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        preexec_fn=preexec_fn,
    )
    proc = Proc(process, port if http else None)
    try:
        yield proc
    finally:
        await proc.kill()


def unreachable_env(port: int) -> dict[str, str]:
    return {
        **SLACK,
        "SLACK_API_URL": f"http://127.0.0.1:{port}/api/",
        "DISCORD_TOKEN": DISCORD_TOKEN,
        "DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10",
        "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}/gateway",
    }


def retry_delays(log: str, what: str) -> list[int]:
    return [int(d) for d in re.findall(rf"{what} failed \(.*?\); retrying in (\d+) s", log)]


async def test_run_with_both_platforms_unreachable_serves_http_backs_off_and_stops(tmp_path: Path) -> None:
    async with studybot(tmp_path, "run", **unreachable_env(closed_port())) as proc:
        await proc.wait_http()
        status, body = await proc.get("/readyz")
        assert status == 503 and body["down"] == ["discord", "slack"] and body["checks"]["database"] is True
        await proc.wait_for_log("connecting to Slack \\(Socket Mode\\) failed", 3)
        await proc.wait_for_log("connecting to Discord failed", 3)
        took = await proc.stop(signal.SIGTERM)  # while waiting to retry
    assert took < STOP_LIMIT
    for what in ("connecting to Slack \\(Socket Mode\\)", "connecting to Discord"):
        delays = retry_delays(proc.log, what)
        assert delays[:3] == [1, 2, 4], delays  # exponential
    assert "Traceback" not in proc.log and "ConnectionRefusedError" not in proc.log
    warnings = [line for line in proc.lines if " WARNING " in line and "failed" in line]
    assert all("retrying in" in line for line in warnings), warnings  # one line per attempt, nothing else
    assert "stopping" in proc.log


@pytest.mark.parametrize("command", ["run", "slack"])
async def test_sigint_while_connecting_to_a_silent_slack(tmp_path: Path, command: str) -> None:
    async with silent_server() as port, studybot(tmp_path, command, http=command == "run", **{
        **SLACK, "SLACK_API_URL": f"http://127.0.0.1:{port}/api/"
    }) as proc:
        await proc.wait_for_log("http server listening" if command == "run" else "connecting to Slack", 1)
        if command == "run":
            status, body = await proc.get("/readyz")
            assert status == 503 and body["down"] == ["slack"]
        await asyncio.sleep(1)  # apps.connections.open is waiting for an answer
        took = await proc.stop(signal.SIGINT)
    assert took < STOP_LIMIT and "Traceback" not in proc.log


async def test_sigterm_while_connecting_to_a_silent_discord(tmp_path: Path) -> None:
    async with silent_server() as port, studybot(tmp_path, "run", DISCORD_TOKEN=DISCORD_TOKEN,
                                                 DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10",
                                                 DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/gateway") as proc:
        await proc.wait_http()
        status, body = await proc.get("/readyz")
        assert status == 503 and body["down"] == ["discord"]
        took = await proc.stop(signal.SIGTERM)
    assert took < STOP_LIMIT and "Traceback" not in proc.log


async def test_studybot_slack_unreachable_retries_quietly_and_stops(tmp_path: Path) -> None:
    async with studybot(tmp_path, "slack", http=False, **SLACK,
                        SLACK_API_URL=f"http://127.0.0.1:{closed_port()}/api/") as proc:
        await proc.wait_for_log("connecting to Slack \\(Socket Mode\\) failed", 2)
        took = await proc.stop(signal.SIGTERM)
    assert took < STOP_LIMIT and "Traceback" not in proc.log and "slack stopped" in proc.log
    assert retry_delays(proc.log, "connecting to Slack \\(Socket Mode\\)")[:2] == [1, 2]


async def test_studybot_discord_unreachable_retries_quietly_and_stops(tmp_path: Path) -> None:
    port = closed_port()
    async with studybot(tmp_path, "discord", http=False, DISCORD_TOKEN=DISCORD_TOKEN,
                        DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10",
                        DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/gateway") as proc:
        await proc.wait_for_log("connecting to Discord failed", 2)
        took = await proc.stop(signal.SIGINT)
    assert took < STOP_LIMIT and "Traceback" not in proc.log and "discord stopped" in proc.log


async def test_sigterm_while_posting_to_a_silent_slack(tmp_path: Path) -> None:
    """The start-up sweep posts to a Slack that never answers: the stop does not wait for it beyond the grace."""
    from bot.clock import SystemClock
    from tests.conftest import make_app
    from tests.test_scheduler import enable_slack_channels

    held: list[asyncio.StreamWriter] = []
    async with silent_server(held) as port:
        env = {"SLACK_BOT_TOKEN": "xoxb-T1-token", "SLACK_SIGNING_SECRET": "0" * 32,
               "SLACK_API_URL": f"http://127.0.0.1:{port}/api/"}
        app = make_app(f"sqlite:///{tmp_path / 'bot.db'}", SystemClock(), slack_bot_token="xoxb-T1-token",
                       slack_signing_secret="0" * 32, slack_api_url=env["SLACK_API_URL"])
        try:
            await enable_slack_channels(app, ["C1", "C2"], hhmm="00:00")  # due since midnight: posted at start
        finally:
            app.close()
        async with studybot(tmp_path, "run", **env) as proc:
            deadline = time.monotonic() + 30
            while not held:  # a post is waiting for Slack's answer
                assert time.monotonic() < deadline, proc.log[-3000:]
                await asyncio.sleep(0.05)
            took = await proc.stop(signal.SIGTERM)
    assert took < STOP_LIMIT and "finishing posts in flight" in proc.log


# ---- a Discord gateway payload discord.py cannot parse ----

GUILD, CHANNEL, ALICE = 111, 211, 311


def without_version(fake: FakeDiscord, payload: dict[str, Any]) -> dict[str, Any]:
    payload = dict(payload)
    payload.pop("version")  # Discord's documented slash-command example has none
    return payload


async def crash_and_recover(fake: FakeDiscord, proc: Proc, crash: str) -> None:
    identifies = len(fake.identifies)
    if crash == "resumed":
        await fake.dispatch("RESUMED", None)  # type: ignore[arg-type]  # an empty body
    else:
        data = fake.command_data(GUILD, "studybot", "status")
        payload = without_version(fake, fake.interaction(2, data, GUILD, CHANNEL, ALICE))
        await fake.dispatch("INTERACTION_CREATE", payload)
    if proc.http_port is not None:
        body = await proc.wait_ready(False, timeout=5)  # 503 while not connected
        assert body["down"] == ["discord"]
    await fake.wait_for(lambda: len(fake.identifies) > identifies, 20)  # reconnected (a new session)
    if proc.http_port is not None:
        await proc.wait_ready(True)
    iid = await fake.slash(GUILD, CHANNEL, ALICE, "studybot", "status")
    await fake.wait_for(lambda: fake.callbacks(iid), 10)  # the next command is answered


@pytest.mark.parametrize("command", ["run", "discord"])
async def test_a_payload_discord_py_cannot_parse_is_logged_once_and_the_client_reconnects(
    tmp_path: Path, command: str
) -> None:
    fake = await FakeDiscord(guilds=[Guild(GUILD, "Study", {CHANNEL: "general"}, {ALICE: "alice"})]).start()
    try:
        async with studybot(tmp_path, command, http=command == "run", DISCORD_TOKEN=DISCORD_TOKEN,
                            DISCORD_API_BASE=fake.api_base, DISCORD_GATEWAY_URL=fake.gateway_url) as proc:
            await fake.wait_for(lambda: fake.identifies and fake.of("PUT", "/applications/"), 30)
            if command == "run":
                await proc.wait_ready(True)
            for crash in ("resumed", "no-version"):
                await crash_and_recover(fake, proc, crash)
            took = await proc.stop(signal.SIGTERM)
    finally:
        await fake.stop()
    assert took < STOP_LIMIT
    assert proc.log.count("the Discord connection crashed") == 2, proc.log[-4000:]
    assert proc.log.count("Traceback") == 2  # one per crash: a bug to report, not a network error
    assert len(fake.of("PUT", "/applications/")) == 1  # commands synced once, not at every reconnect


async def test_run_notices_when_socket_mode_slack_goes_away_and_still_stops(tmp_path: Path) -> None:
    from fakes.slack_fake import FakeSlack

    fake = await FakeSlack().start()
    try:
        async with studybot(tmp_path, "run", **{**SLACK, "SLACK_API_URL": fake.api_url}) as proc:
            await proc.wait_http()
            await proc.wait_ready(True, timeout=30)  # serving
            await fake.stop()  # Slack goes away: the socket closes, reconnecting fails
            body = await proc.wait_ready(False, timeout=30)
            assert body["down"] == ["slack"]
            # a request caught by the fake's shutdown may hang until slack_sdk's 30 s timeout; the next is refused
            await proc.wait_for_log("connecting to Slack \\(Socket Mode\\) failed", 2, timeout=70)
            took = await proc.stop(signal.SIGTERM)
    finally:
        await fake.stop()
    assert took < STOP_LIMIT and "Traceback" not in proc.log


async def test_run_with_a_rejected_discord_token_stops_with_a_clear_error(tmp_path: Path) -> None:
    fake = await FakeDiscord(guilds=[], reject_token=True).start()
    try:
        async with studybot(tmp_path, "run", DISCORD_TOKEN=DISCORD_TOKEN, DISCORD_API_BASE=fake.api_base,
                            DISCORD_GATEWAY_URL=fake.gateway_url) as proc:
            await asyncio.wait_for(proc.process.wait(), 30)
            await proc._reader
    finally:
        await fake.stop()
    assert proc.process.returncode == 2
    assert "Discord rejected DISCORD_TOKEN" in proc.log and "Traceback" not in proc.log
    assert DISCORD_TOKEN not in proc.log
