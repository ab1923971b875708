"""At DEBUG, the logs of the real processes hold no model answer, no Slack response_url, no bot token learned at
an OAuth install, no Discord interaction token; and no command prints the database password."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from fakes.discord_fake import FakeDiscord, Guild
from fakes.slack_fake import FakeSlack
from tests.slack_helpers import SIGNING_SECRET, SlackClient
from tests.test_discord_cli import TOKEN as DISCORD_TOKEN
from tests.test_discord_e2e import MANAGE_GUILD, buttons_of, text_of
from tests.test_lifecycle import studybot
from tests.test_scheduler_processes import STUDYBOT, clean_env

pytestmark = pytest.mark.timeout(120)


def answer_snippets(text: str) -> list[str]:
    """Distinctive runs of a model answer: its longer lines (not the labels around them)."""
    lines = [line.strip(" *_>") for line in re.split(r"[\n]|\\n", text)]
    return [line[:60] for line in lines if len(line) >= 40]


def assert_clean(log: str, *secrets: str) -> None:
    assert "DEBUG" in log  # the process did log at DEBUG
    for secret in secrets:
        assert secret not in log, f"{secret!r} is in the log"


async def test_slack_oauth_install_and_a_reveal_leave_no_secret_in_debug_logs(tmp_path: Path) -> None:
    fake = await FakeSlack(admins={"UADMIN"}).start()
    env = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "client-secret-never-logged",
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url, "STUDYBOT_LOG_LEVEL": "DEBUG"}
    try:
        async with studybot(tmp_path, "run", **env) as proc, aiohttp.ClientSession() as session:
            await proc.wait_http()
            base = f"http://127.0.0.1:{proc.http_port}"
            async with session.get(f"{base}/slack/install", allow_redirects=False) as response:
                location = response.headers.get("Location", "") + await response.text()
                cookie = response.headers["Set-Cookie"].split(";")[0]
            state = re.search(r"state=([\w-]+)", location).group(1)  # type: ignore[union-attr]
            async with session.get(f"{base}/slack/oauth_redirect?code=c0de&state={state}",
                                   allow_redirects=False, headers={"Cookie": cookie}) as response:
                assert response.status == 200
            slack = SlackClient(f"{base}/slack/events", fake.response_url, session)
            status, _ = await slack.command("/studybot post", team="T9")
            assert status == 200
            await fake.wait_for(lambda: fake.history.get("C1"), 10)
            await slack.react(fake.history["C1"][-1]["ts"], team="T9")
            await fake.wait_for(lambda: fake.of("chat.postEphemeral"), 10)
            await proc.stop(signal.SIGTERM)
        reveal = fake.of("chat.postEphemeral")[-1].args
        snippets = answer_snippets(json.dumps(reveal.get("blocks")) + "\n" + str(reveal.get("text")))
        assert snippets  # the model answer was sent
        response_urls = [fake.response_url(f"cmd{n}") for n in range(200)]
        used = [url for url in response_urls if any(r[0] in url for r in fake.responses)]
        assert used
        assert_clean(proc.log, "xoxb-T9-token", "client-secret-never-logged", *snippets, *used,
                     "/respond/")
    finally:
        await fake.stop()


async def test_discord_interactions_and_a_reveal_leave_no_secret_in_debug_logs(tmp_path: Path) -> None:
    guild, channel, alice, bob = 111, 211, 311, 312
    fake = await FakeDiscord(guilds=[Guild(guild, "Study", {channel: "general"}, {alice: "alice", bob: "bob"})]).start()
    try:
        async with studybot(tmp_path, "run", DISCORD_TOKEN=DISCORD_TOKEN, DISCORD_API_BASE=fake.api_base,
                            DISCORD_GATEWAY_URL=fake.gateway_url, STUDYBOT_LOG_LEVEL="DEBUG") as proc:
            await proc.wait_http()
            await proc.wait_ready(True, timeout=40)
            iid = await fake.slash(guild, channel, alice, "studybot", "post", permissions=MANAGE_GUILD)
            await fake.wait_for(lambda: fake.callbacks(iid) and fake.of("POST", f"/channels/{channel}/messages"), 10)
            post: dict[str, Any] = fake.of("POST", f"/channels/{channel}/messages")[-1].result
            click = await fake.click(post, buttons_of(post)["Reveal answer"], bob, guild_id=guild)
            await fake.wait_for(lambda: fake.callbacks(click), 10)
            await proc.stop(signal.SIGTERM)
    finally:
        await fake.stop()
    answer = text_of(fake.callbacks(click)[0].body)
    assert "Model answer" in answer
    snippets = answer_snippets(answer)
    assert snippets
    tokens = [f"itoken-{iid}", f"itoken-{click}"]
    assert_clean(proc.log, *tokens, *snippets, DISCORD_TOKEN)


def test_no_command_prints_the_database_password(tmp_path: Path) -> None:
    from tests.conftest import PG_URL

    env = clean_env()
    urls = ["postgresql+psycopg://nobody:pw-never-shown@127.0.0.1:1/none"]
    if PG_URL and "@" in PG_URL:  # a reachable server: the success message too (trust auth ignores the password)
        urls.append(PG_URL.replace("://postgres@", "://postgres:pw-never-shown@"))
    for url in urls:
        for command in (["db", "upgrade"], ["db", "rebuild-totals"], ["doctor"], ["tick", "--at",
                                                                                   "2026-03-02T09:00:00Z"]):
            result = subprocess.run([STUDYBOT, *command], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                                    env={**env, "DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-T1-token",
                                         "SLACK_SIGNING_SECRET": "s" * 32, "STUDYBOT_LOG_LEVEL": "DEBUG"})
            output = result.stdout + result.stderr
            assert "pw-never-shown" not in output, (command, output)
            assert "Traceback" not in output, (command, output)
