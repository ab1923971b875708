"""``studybot run`` under a flood of idle connections, with its open-files limit lowered to keep the test cheap:
``/healthz``, ``/readyz`` and signed Slack requests still answer, idle connections are closed after the idle
timeout, the soft limit is raised to the hard one, accept() failures are logged at a bounded rate, and
``/metrics`` is on its own loopback port."""

from __future__ import annotations

import asyncio
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from adapters.http_limits import REFUSAL
from fakes.slack_fake import FakeSlack
from tests.slack_helpers import SIGNING_SECRET, signature_headers
from tests.test_lifecycle import studybot
from tests.test_scheduler_processes import free_port

pytestmark = pytest.mark.timeout(120)

SOFT, HARD = 200, 512  # the process starts with these; it raises the soft limit to HARD
IDLE = 600  # more idle connections than the process has file descriptors


def lowered_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (SOFT, HARD))


def open_files_limit(pid: int) -> tuple[int, int]:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return int(soft), int(hard)
    raise AssertionError("no open files limit")


async def open_idle(port: int, count: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    opened = []
    for _ in range(count):
        try:
            opened.append(await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2))
        except (OSError, TimeoutError):
            continue
    return opened


@pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="reads the limits from /proc (Linux)")
async def test_idle_connections_do_not_starve_health_checks_or_slack(tmp_path: Path) -> None:
    fake = await FakeSlack(admins={"UADMIN"}).start()
    metrics_port = free_port()
    env = {"SLACK_BOT_TOKEN": "xoxb-T1-token", "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url,
           "STUDYBOT_HTTP_IDLE_TIMEOUT": "3", "STUDYBOT_METRICS_PORT": str(metrics_port)}
    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        async with studybot(tmp_path, "run", preexec_fn=lowered_limit, **env) as proc:
            await proc.wait_http()
            assert open_files_limit(proc.process.pid) == (HARD, HARD)
            opened = await open_idle(proc.http_port, IDLE)
            assert len(opened) > HARD  # more than it has file descriptors: the oldest idle ones were closed for them
            started = time.monotonic()
            assert (await proc.get("/healthz"))[0] == 200
            assert (await proc.get("/readyz"))[0] == 200
            body = ("team_id=T1&channel_id=C1&user_id=UADMIN&user_name=admin&command=%2Fstudybot&text=help"
                    f"&response_url={fake.response_url('r1')}&trigger_id=t.1")
            headers = {"Content-Type": "application/x-www-form-urlencoded", **signature_headers(body)}
            async with aiohttp.ClientSession() as session, session.post(
                f"http://127.0.0.1:{proc.http_port}/slack/events", data=body, headers=headers,
                timeout=aiohttp.ClientTimeout(total=5),
            ) as response:
                assert response.status == 200
            assert time.monotonic() - started < 5
            await fake.wait_for(lambda: fake.responses, 10)
            # the idle timeout closes what is left
            closed = await asyncio.gather(*(asyncio.wait_for(reader.read(), 10) for reader, _ in opened[-20:]))
            assert closed == [b""] * 20  # EOF: the server closed them
            async with aiohttp.ClientSession() as session:  # metrics on their own port, on loopback
                async with session.get(f"http://127.0.0.1:{metrics_port}/metrics") as response:
                    assert response.status == 200 and "studybot_commands_total" in await response.text()
                async with session.get(f"http://127.0.0.1:{proc.http_port}/metrics") as response:
                    assert response.status == 404
            await proc.stop(signal.SIGTERM)
        assert "Traceback" not in proc.log and "out of system resource" not in proc.log
        assert f"host=127.0.0.1 port={metrics_port}" in proc.log
    finally:
        for _, writer in opened:
            writer.close()
        await fake.stop()


ACCEPT_FLOOD = """
import asyncio, logging, resource, sys
from adapters.http_limits import quiet_accept_errors
from bot.logcontext import configure_logging

async def main():
    configure_logging("INFO")
    resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))
    quiet_accept_errors(asyncio.get_running_loop())
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.sleep(float(sys.argv[1]))

asyncio.run(main())
"""


def test_accept_failures_are_logged_at_a_bounded_rate(tmp_path: Path) -> None:
    """Out of file descriptors, asyncio retries accept() every second: one log line, not one per retry."""
    import socket

    child = subprocess.Popen([sys.executable, "-c", ACCEPT_FLOOD, "4"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
    clients = []
    try:
        port = int(child.stdout.readline())
        for _ in range(60):
            clients.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        _out, err = child.communicate(timeout=30)
    finally:
        for client in clients:
            client.close()
        if child.poll() is None:
            child.kill()
    assert err.count("cannot accept connections") == 1, err[-2000:]
    assert "Traceback" not in err


async def test_a_burst_of_connections_never_goes_over_the_cap() -> None:
    """asyncio accepts a whole burst before it makes any of their protocols: each new connection in the burst
    must close a different idle one, so the open connections stay at the cap."""
    from aiohttp import web

    from adapters.ops import serve

    web_app = web.Application()
    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    web_app.router.add_get("/healthz", healthz)
    runner = await serve(web_app, "127.0.0.1", 0, max_connections=8)
    port = runner.addresses[0][1]
    server = runner.server
    assert server is not None
    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        for _ in range(3):  # each burst lands in one accept() round
            opened += await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port) for _ in range(20)))
            for _ in range(5):
                await asyncio.sleep(0)
            live = [handler for handler in server.connections if handler.transport is not None]
            assert len(live) <= 8
        replies = await asyncio.gather(*(asyncio.wait_for(reader.read(), 3) for reader, _ in opened),
                                       return_exceptions=True)
        still_open = [reply for reply in replies if isinstance(reply, TimeoutError)]
        assert len(still_open) == 8  # the newest ones; the others were closed (b"") or refused (a 503)
        assert {reply for reply in replies if not isinstance(reply, TimeoutError)} <= {b"", REFUSAL}
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200
    finally:
        for _, writer in opened:
            writer.close()
        await runner.cleanup()
