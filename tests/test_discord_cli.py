"""``studybot discord`` as a user runs it: settings errors, the invite URL, and a real run against the fake
Discord until SIGTERM."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from fakes.discord_fake import FakeDiscord, Guild

pytestmark = pytest.mark.timeout(60)

STUDYBOT = str(Path(sys.executable).parent / "studybot")
APP_ID = "900000000000000001"
TOKEN = base64.b64encode(APP_ID.encode()).decode().rstrip("=") + ".GaBcDe.cli-token-never-printed"


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STUDYBOT_", "DATABASE_URL", "DISCORD_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    env.update(extra)
    return env


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([STUDYBOT, *args], capture_output=True, text=True, env=clean_env(tmp_path, **env),
                          cwd=tmp_path, timeout=60)


def test_missing_token_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    result = run(tmp_path, "discord")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0] and "for example DISCORD_TOKEN=" in lines[0]
    assert "Traceback" not in result.stderr


def test_the_cli_does_not_import_discord_until_it_runs_it(tmp_path: Path) -> None:
    code = "import sys, adapters.cli; print('discord' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env=clean_env(tmp_path), cwd=tmp_path)
    assert result.stdout.strip() == "False", result.stderr
    assert "discord" in run(tmp_path, "--help").stdout


def test_invite_url_has_the_scopes_and_least_permissions(tmp_path: Path) -> None:
    import discord

    result = run(tmp_path, "discord", "invite-url", "--client-id", "123456789012345678")
    assert result.returncode == 0, result.stderr
    url = urlparse(result.stdout.strip())
    query = parse_qs(url.query)
    assert url.netloc == "discord.com" and query["client_id"] == ["123456789012345678"]
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    assert granted.send_messages and granted.embed_links and granted.view_channel
    assert granted.create_public_threads and granted.send_messages_in_threads
    assert granted.attach_files  # /stats uploads a PNG
    assert granted.read_message_history  # the recovery lookup lists the channel's recent messages
    assert granted.value == discord.Permissions(
        view_channel=True, send_messages=True, embed_links=True, attach_files=True, read_message_history=True,
        create_public_threads=True, send_messages_in_threads=True).value  # nothing more
    assert not (granted.administrator or granted.manage_guild or granted.manage_messages or granted.mention_everyone)
    from_token = run(tmp_path, "discord", "invite-url", DISCORD_TOKEN=TOKEN)
    assert parse_qs(urlparse(from_token.stdout.strip()).query)["client_id"] == [APP_ID]
    assert TOKEN not in from_token.stdout + from_token.stderr
    nothing = run(tmp_path, "discord", "invite-url")
    assert nothing.returncode == 2 and "--client-id" in nothing.stderr and "Traceback" not in nothing.stderr


async def _start(tmp_path: Path, fake: FakeDiscord) -> asyncio.subprocess.Process:
    env = clean_env(tmp_path, DISCORD_TOKEN=TOKEN, DISCORD_API_BASE=fake.api_base,
                    DISCORD_GATEWAY_URL=fake.gateway_url, STUDYBOT_LOG_LEVEL="DEBUG")
    return await asyncio.create_subprocess_exec(STUDYBOT, "discord", env=env, cwd=tmp_path,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def test_studybot_discord_runs_until_sigterm_and_closes_cleanly(tmp_path: Path) -> None:
    fake = await FakeDiscord(guilds=[Guild(111, "Study", {211: "general"}, {311: "alice"})]).start()
    process = await _start(tmp_path, fake)
    try:
        await fake.wait_for(lambda: fake.identifies and fake.of("PUT", f"/applications/{APP_ID}/commands"), 30)
        iid = await fake.slash(111, 211, 311, "studybot", "status")
        await fake.wait_for(lambda: fake.callbacks(iid), 10)
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 20)
    finally:
        if process.returncode is None:
            process.kill()
        await fake.stop()
    log = (out + err).decode()
    assert process.returncode == 0, log[-2000:]
    assert "discord stopped" in log and "Traceback" not in log
    assert TOKEN not in log and "cli-token-never-printed" not in log


async def test_a_rejected_token_is_a_clear_error(tmp_path: Path) -> None:
    fake = await FakeDiscord(guilds=[], reject_token=True).start()
    try:
        process = await _start(tmp_path, fake)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        await fake.stop()
    assert process.returncode == 2
    assert "Discord rejected DISCORD_TOKEN" in err.decode() and "Traceback" not in err.decode()
    assert TOKEN not in (out + err).decode()
