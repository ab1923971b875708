"""The Slack adapter end to end: the real Bolt AsyncApp over HTTP on 127.0.0.1, signed requests in Slack's
payload shapes, and a fake Slack Web API that records calls."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from slack_sdk.oauth.installation_store import Installation

from adapters.slack.app import SlackBot, build_slack_bot
from adapters.slack.server import serve_http
from bot.bootstrap import App
from bot.clock import ManualClock
from bot.settings import Settings
from fakes.slack_fake import FakeSlack
from tests.conftest import make_app
from tests.dbcount import row_counts
from tests.slack_helpers import SIGNING_SECRET, SlackClient, block_text, buttons

pytestmark = pytest.mark.timeout(60)


@dataclass
class Rig:
    fake: FakeSlack
    slack: SlackClient
    app: App
    bot: SlackBot
    base: str

    def last_response(self) -> dict:
        return self.fake.responses[-1][1]

    async def response_after(self, count: int) -> dict:
        await self.fake.wait_for(lambda: len(self.fake.responses) > count)
        return self.fake.responses[count][1]

    async def run_command(self, line: str, **kwargs) -> dict:
        before = len(self.fake.responses)
        status, _ = await self.slack.command(line, **kwargs)
        assert status == 200
        return await self.response_after(before)


async def _rig(database_url: str, clock: ManualClock, *, multi: bool = False) -> AsyncIterator[Rig]:
    fake = await FakeSlack(admins={"UADMIN"}).start()
    overrides = {"slack_signing_secret": SIGNING_SECRET, "slack_api_url": fake.api_url}
    if multi:
        overrides |= {"slack_client_id": "111.222", "slack_client_secret": "client-secret"}
    else:
        overrides |= {"slack_bot_token": "xoxb-T1-token"}
    app = make_app(database_url, clock, **overrides)
    settings = Settings(database_url=database_url, **overrides)  # type: ignore[arg-type]
    bot = build_slack_bot(app, settings)
    runner = await serve_http(bot, "127.0.0.1", 0)
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        yield Rig(fake, SlackClient(f"{base}/slack/events", fake.response_url, session), app, bot, base)
    await runner.cleanup()
    await bot.close()
    await fake.stop()
    app.close()


@pytest.fixture
async def rig(database_url: str, clock: ManualClock) -> AsyncIterator[Rig]:
    async for r in _rig(database_url, clock):
        yield r


async def post_daily(rig: Rig) -> str:
    await rig.run_command("/studybot schedule 09:00 Europe/Berlin daily")
    before = len(rig.fake.of("chat.postMessage"))
    reply = await rig.run_command("/studybot post")
    assert "Posted today's question" in block_text(reply["blocks"])
    assert reply["response_type"] == "ephemeral"
    await rig.fake.wait_for(lambda: len(rig.fake.of("chat.postMessage")) > before)
    return _last_post_ts(rig)


def _last_post_ts(rig: Rig) -> str:
    with rig.app.db.transaction() as s:
        from sqlmodel import select

        from bot.storage.models import DailyPost

        return s.exec(select(DailyPost.message_id).order_by(DailyPost.id.desc())).first()  # type: ignore[attr-defined]


async def test_daily_post_as_block_kit(rig: Rig) -> None:
    ts = await post_daily(rig)
    call = rig.fake.of("chat.postMessage")[-1]
    assert call.args["channel"] == "C1" and call.token == "xoxb-T1-token"
    blocks = call.args["blocks"]
    text = block_text(blocks)
    assert "Question of the day" in text and "MLOps interviews" in text and "React with 👀" in text
    assert [label for label, _ in buttons(blocks)] == ["Reveal answer", "Quiz me", "✍️ Answer in my words"]
    assert ts.startswith("1700000000.")
    again = await rig.run_command("/studybot post")
    assert "already posted" in block_text(again["blocks"])
    assert len(rig.fake.of("chat.postMessage")) == 1


async def test_reveal_by_reaction_is_ephemeral_with_self_grade_buttons(rig: Rig) -> None:
    ts = await post_daily(rig)
    status, _ = await rig.slack.react(ts, user="U2")
    assert status == 200
    await rig.fake.wait_for(lambda: rig.fake.of("chat.postEphemeral"))
    call = rig.fake.of("chat.postEphemeral")[0]
    assert call.args["user"] == "U2" and call.args["channel"] == "C1"
    assert "Model answer" in block_text(call.args["blocks"])
    assert [label for label, _ in buttons(call.args["blocks"])] == [
        "I didn't (again)",
        "Hard",
        "I knew it (good)",
        "Easy",
    ]


async def test_other_emoji_other_messages_and_the_bots_own_reaction_are_ignored(rig: Rig) -> None:
    ts = await post_daily(rig)
    before = row_counts(rig.app.db)
    await rig.slack.react(ts, reaction="tada")
    await rig.slack.react("1600000000.000001", reaction="eyes")
    await rig.slack.react(ts, user="UBOT")  # Bolt drops the bot's own events
    await asyncio.sleep(0.5)
    assert rig.fake.of("chat.postEphemeral") == []
    assert row_counts(rig.app.db) == before
    await rig.slack.react(ts, user="U2")  # the control: a reveal does go through
    await rig.fake.wait_for(lambda: rig.fake.of("chat.postEphemeral"))


async def test_retried_event_has_no_second_effect(rig: Rig) -> None:
    ts = await post_daily(rig)
    await rig.slack.react(ts, event_id="EvRETRY1")
    await rig.fake.wait_for(lambda: rig.fake.of("chat.postEphemeral"))
    counts = row_counts(rig.app.db)
    for n in (1, 2, 3):
        status, _ = await rig.slack.react(
            ts, event_id="EvRETRY1", headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "timeout"}
        )
        assert status == 200
    await asyncio.sleep(0.5)
    assert len(rig.fake.of("chat.postEphemeral")) == 1
    assert row_counts(rig.app.db) == counts


async def test_bad_or_old_signature_gets_401_and_changes_nothing(rig: Rig) -> None:
    await rig.run_command("/studybot schedule 09:00 UTC daily")
    before = row_counts(rig.app.db)
    calls = len(rig.fake.calls)
    status, _ = await rig.slack.command("/team create Owls", secret="wrong-secret")
    assert status == 401
    status, _ = await rig.slack.command("/team create Owls", timestamp=int(time.time()) - 600)
    assert status == 401
    async with rig.slack.session.post(
        rig.slack.url,
        data=b"command=%2Fteam&text=create+Owls",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ) as r:
        assert r.status == 401
    await asyncio.sleep(0.3)
    assert row_counts(rig.app.db) == before and len(rig.fake.calls) == calls


async def test_reveal_button_then_self_grade_in_place(rig: Rig) -> None:
    ts = await post_daily(rig)
    post_blocks = rig.fake.of("chat.postMessage")[-1].args["blocks"]
    reveal_value = dict((label, value) for label, value in buttons(post_blocks))["Reveal answer"]
    before = len(rig.fake.responses)
    await rig.slack.click(reveal_value, message_ts=ts, user="U3")
    reveal = await rig.response_after(before)
    assert reveal["response_type"] == "ephemeral" and reveal["replace_original"] is False
    assert "Model answer" in block_text(reveal["blocks"])
    knew = dict(buttons(reveal["blocks"]))["I knew it (good)"]
    before = len(rig.fake.responses)
    await rig.slack.click(knew, message_ts="1700000009.000001", user="U3", ephemeral=True)
    graded = await rig.response_after(before)
    assert graded["replace_original"] is True and "Nice: marked as known." in block_text(graded["blocks"])
    assert buttons(graded["blocks"]) == []


async def test_every_command_and_bad_input(rig: Rig) -> None:
    help_reply = await rig.run_command("/studybot help", user="U2")
    assert "/studybot schedule HH:MM TIMEZONE" in block_text(help_reply["blocks"])
    assert help_reply["response_type"] == "ephemeral"
    status = await rig.run_command("/studybot status")
    assert "studybot in this channel" in block_text(status["blocks"])
    cases = {
        "/studybot schedule 25:00 Europe/Berlin": "`25:00` is not a time of day",
        "/studybot schedule 09:00 Berlin": "Europe/Berlin",
        "/studybot deck nope": "There is no deck `nope`",
        "/studybot language fr": "is not a language",
        "/studybot reveal !!": "is not an emoji",
        "/quiz 0": "is not a number of questions",
        "/leaderboard forever": "is neither a leaderboard",
        "/team join Ghosts": "There are no teams yet",
        "/team create": "A team name has 1 to 30",
        "/streak <@UNKNOWN|ghost>": "I don't know",
    }
    for line, expected in cases.items():
        reply = await rig.run_command(line)
        text = block_text(reply["blocks"])
        assert expected.replace("`", "") in text.replace("`", ""), (line, text)
        assert "Example:" in text and reply["response_type"] == "ephemeral"
    ok = {
        "/studybot schedule 08:30 America/Sao_Paulo mon-fri": "Daily question at 08:30",
        "/studybot deck mlops-interview cloud": "MLOps interviews",
        "/studybot reveal :bulb:": "💡",
        "/studybot language pt": "português",
        "/studybot language en": "English",
        "/studybot off": "off here",
        "/studybot on": "is on",
        "/team create Owls": "Team *Owls* created",
        "/team list": "*Owls* (1)",
        "/leaderboard teams all": "Leaderboard: teams, all time",
        "/streak": "streak",
        "/quiz cloud 1": "Quiz 1/1",
        "/studybot quiz 1": "Quiz 1/1",
    }
    for line, expected in ok.items():
        reply = await rig.run_command(line)
        assert expected in block_text(reply["blocks"]), (line, block_text(reply["blocks"]))


async def test_quiz_flow_by_button_clicks(rig: Rig) -> None:
    first = await rig.run_command("/quiz 2", user="U2")
    assert first["response_type"] == "ephemeral"
    assert [label for label, _ in buttons(first["blocks"])] == ["A", "B", "C", "D"]
    answer = buttons(first["blocks"])[1][1]
    before = len(rig.fake.responses)
    await rig.slack.click(answer, message_ts="1700000002.000001", ephemeral=True)
    graded = await rig.response_after(before)
    assert graded["replace_original"] is True
    assert "You chose B." in block_text(graded["blocks"])
    next_value = buttons(graded["blocks"])[0][1]
    before = len(rig.fake.responses)
    await rig.slack.click(next_value, message_ts="1700000002.000001", ephemeral=True)
    second = await rig.response_after(before)
    assert "Quiz 2/2" in block_text(second["blocks"])
    before = len(rig.fake.responses)
    await rig.slack.click(buttons(second["blocks"])[0][1], message_ts="1700000002.000001", ephemeral=True)
    graded2 = await rig.response_after(before)
    before = len(rig.fake.responses)
    await rig.slack.click(buttons(graded2["blocks"])[0][1], message_ts="1700000002.000001", ephemeral=True)
    result = await rig.response_after(before)
    assert "Quiz finished" in block_text(result["blocks"]) and "of 2 correct" in block_text(result["blocks"])


async def test_non_admin_is_refused_settings(rig: Rig) -> None:
    before = row_counts(rig.app.db)
    for line in ("/studybot schedule 09:00 UTC", "/studybot post", "/studybot off"):
        reply = await rig.run_command(line, user="U2")
        assert "Only workspace admins" in block_text(reply["blocks"])
    assert rig.fake.of("chat.postMessage") == []
    after = row_counts(rig.app.db)
    assert {k: v for k, v in after.items() if k not in ("users", "tenants", "channels", "processed_events")} == {
        k: v for k, v in before.items() if k not in ("users", "tenants", "channels", "processed_events")
    }
    assert len(rig.fake.of("users.info")) == 1  # admin status is cached


async def test_rate_limited_post_is_retried_after_retry_after(rig: Rig) -> None:
    await rig.run_command("/studybot schedule 09:00 UTC daily")
    rig.fake.rate_limited["chat.postMessage"] = 1
    reply = await rig.run_command("/studybot post")
    assert "Posted today's question" in block_text(reply["blocks"])
    attempts = rig.fake.of("chat.postMessage")
    assert len(attempts) == 2
    assert attempts[1].at - attempts[0].at >= rig.fake.retry_after


async def test_app_home_shows_the_members_overview(rig: Rig) -> None:
    ts = await post_daily(rig)
    await rig.slack.react(ts, user="U2")
    await rig.fake.wait_for(lambda: rig.fake.of("chat.postEphemeral"))
    await rig.slack.event({"type": "app_home_opened", "user": "U2", "channel": "D1", "tab": "home"})
    await rig.fake.wait_for(lambda: rig.fake.of("views.publish"))
    call = rig.fake.of("views.publish")[0]
    assert call.args["user_id"] == "U2"
    text = block_text(call.args["view"]["blocks"])
    assert "Your study overview" in text and "1 this week" in text and "study: streak 1" in text


async def test_healthz(rig: Rig) -> None:
    async with rig.slack.session.get(f"{rig.base}/healthz") as response:
        assert response.status == 200 and await response.text() == "ok"


@pytest.fixture
async def multi(database_url: str, clock: ManualClock) -> AsyncIterator[Rig]:
    async for r in _rig(database_url, clock, multi=True):
        store = r.bot.installation_store
        assert store is not None
        for team in ("T1", "T2"):
            await store.async_save(
                Installation(
                    app_id="A1",
                    enterprise_id=None,
                    team_id=team,
                    user_id="UADMIN",
                    bot_token=f"xoxb-{team}-token",
                    bot_id="BBOT",
                    bot_user_id="UBOT",
                    bot_scopes=["chat:write", "commands"],
                )
            )
        yield r


async def test_two_workspaces_never_mix(multi: Rig) -> None:
    rig = multi
    await rig.run_command("/team create Owls", team="T1")
    await rig.run_command("/studybot schedule 09:00 UTC daily", team="T1")
    await rig.run_command("/studybot post", team="T1")
    other = await rig.run_command("/team list", team="T2")
    assert "No teams yet" in block_text(other["blocks"])
    join = await rig.run_command("/team join Owls", team="T2")
    assert "There are no teams yet" in block_text(join["blocks"])
    ts = _last_post_ts(rig)
    await rig.slack.react(ts, team="T1", user="U2")
    await rig.fake.wait_for(lambda: rig.fake.of("chat.postEphemeral"))
    board_t2 = await rig.run_command("/leaderboard all", team="T2")
    assert "No points yet" in block_text(board_t2["blocks"])
    board_t1 = await rig.run_command("/leaderboard all", team="T1")
    assert "u2: 1 pt" in block_text(board_t1["blocks"]) or "U2: 1 pt" in block_text(board_t1["blocks"])
    # each workspace's calls carry its own bot token
    assert {c.token for c in rig.fake.of("chat.postMessage")} == {"xoxb-T1-token"}
    await rig.run_command("/studybot schedule 09:00 UTC daily", team="T2")
    await rig.run_command("/studybot post", team="T2")
    await rig.fake.wait_for(lambda: len(rig.fake.of("chat.postMessage")) == 2)
    assert rig.fake.of("chat.postMessage")[-1].token == "xoxb-T2-token"


async def test_oauth_install_page_redirects_to_slack(multi: Rig) -> None:
    async with multi.slack.session.get(f"{multi.base}/slack/install", allow_redirects=False) as response:
        assert response.status in (200, 302)
        body = await response.text()
        location = response.headers.get("Location", "") + body
        assert "client_id=111.222" in location and "scope=" in location and "state=" in location


async def test_tokens_and_secrets_never_reach_the_logs(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    ts = await post_daily(rig)
    await rig.slack.react(ts, user="U2")
    await rig.fake.wait_for(lambda: rig.fake.of("chat.postEphemeral"))
    rig.fake.failing["chat.postEphemeral"] = "invalid_auth"
    await rig.slack.react(ts, user="U3")
    await rig.fake.wait_for(lambda: len(rig.fake.of("chat.postEphemeral")) >= 2)  # the reveal, then an apology
    await rig.slack.command("/team create Owls", secret="wrong-secret")
    await asyncio.sleep(0.3)
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert len(caplog.records) > 10
    assert "xoxb-T1-token" not in text
    assert SIGNING_SECRET not in text


async def test_stats_uploads_the_heatmap_and_reminders_go_by_direct_message(rig: Rig) -> None:
    from datetime import timedelta

    from scheduler.facade import tick

    ts = await post_daily(rig)
    await rig.slack.react(ts, user="U2")
    await rig.fake.wait_for(lambda: rig.fake.of("chat.postEphemeral"))
    before = len(rig.fake.responses)
    status, _ = await rig.slack.command("/stats", user="U2")  # private: an ephemeral answer showing the picture
    assert status == 200
    await rig.fake.wait_for(lambda: rig.fake.of("files.completeUploadExternal"))
    assert len(rig.fake.uploads) == 1 and b"\x89PNG\r\n\x1a\n" in rig.fake.uploads[0]
    assert "channel_id" not in rig.fake.of("files.completeUploadExternal")[-1].args  # not shared in the channel
    await rig.fake.wait_for(lambda: len(rig.fake.responses) > before)
    answer = rig.fake.responses[-1][1]
    assert answer["response_type"] == "ephemeral" and "stats" in block_text(answer["blocks"])
    [image] = [b for b in answer["blocks"] if b["type"] == "image"]
    assert image["slack_file"] == {"id": "F1"} and "Heatmap of" in image["alt_text"]
    # a quiz answer schedules a review (due within ten minutes, FSRS learning steps); an opted-in member is told
    reply = await rig.run_command("/quiz basics 1", user="U2")
    before = len(rig.fake.responses)
    await rig.slack.click(buttons(reply["blocks"])[0][1], message_ts="1", user="U2", ephemeral=True)
    await rig.response_after(before)
    await rig.run_command("/studybot remind on 00:00 UTC", user="U2")
    later = rig.app.services.clock.now() + timedelta(minutes=30)
    await tick(rig.app.services, {"slack": rig.bot.port}, later)
    direct = [c for c in rig.fake.of("chat.postMessage") if c.args["channel"] == "U2"]
    assert len(direct) == 1 and "due for review" in block_text(direct[0].args["blocks"])


async def test_every_event_delivered_four_times_has_one_effect(rig: Rig) -> None:
    """Events API retries (same event_id, X-Slack-Retry-Num 1-3) and a repeated interaction payload."""
    ts = await post_daily(rig)
    for attempt in range(4):
        headers = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"} if attempt else None
        status, _ = await rig.slack.react(ts, user="U7", event_id="EvFOUR", headers=headers)
        assert status == 200
    reveal = dict(buttons(rig.fake.of("chat.postMessage")[-1].args["blocks"]))["Reveal answer"]
    before = len(rig.fake.responses)
    for _ in range(4):
        status, _ = await rig.slack.click(reveal, message_ts=ts, user="U8", n=424242)
        assert status == 200
    await asyncio.sleep(0.5)
    await rig.fake.wait_for(lambda: rig.fake.of("chat.postEphemeral"))
    assert len(rig.fake.of("chat.postEphemeral")) == 1  # the reaction, once
    assert len(rig.fake.responses) == before + 1  # the button, once
    counts = row_counts(rig.app.db)
    assert counts["reveals"] == 2 and counts["participations"] == 2 and counts["points_ledger"] == 2


async def test_socket_mode_commands_and_events(database_url: str, clock: ManualClock) -> None:
    """Socket Mode against a fake websocket: no public URL; envelopes are acked and handled like HTTP requests."""
    from adapters.slack.server import connect_socket_mode

    fake = await FakeSlack(admins={"UADMIN"}).start()
    overrides = {
        "slack_bot_token": "xoxb-T1-token",
        "slack_signing_secret": SIGNING_SECRET,
        "slack_app_token": "xapp-1-A1-test",
        "slack_api_url": fake.api_url,
    }
    app = make_app(database_url, clock, **overrides)
    bot = build_slack_bot(app, Settings(database_url=database_url, **overrides))  # type: ignore[arg-type]
    handler = await connect_socket_mode(bot, "xapp-1-A1-test")
    try:
        await fake.wait_for(lambda: fake.sockets)
        assert await handler.client.is_connected()
        assert fake.of("apps.connections.open")[0].token == "xapp-1-A1-test"
        command = {
            "team_id": "T1",
            "team_domain": "t1",
            "channel_id": "C1",
            "channel_name": "study",
            "user_id": "UADMIN",
            "user_name": "admin",
            "command": "/studybot",
            "text": "schedule 09:00 UTC daily",
            "response_url": fake.response_url("s1"),
            "trigger_id": "t.s1",
        }
        envelope = await fake.send_envelope("slash_commands", command)
        await fake.wait_for(lambda: envelope in fake.acks and fake.responses)
        assert "Daily question at 09:00" in block_text(fake.responses[-1][1]["blocks"])
        post = {**command, "text": "post", "trigger_id": "t.s2", "response_url": fake.response_url("s2")}
        await fake.send_envelope("slash_commands", post)
        await fake.wait_for(lambda: fake.of("chat.postMessage"))
        await fake.wait_for(lambda: _last_post_ts_of(app))  # recorded after Slack answered: wait for it
        ts = _last_post_ts_of(app)
        event = {
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": "EvSOCK1",
            "event": {
                "type": "reaction_added",
                "user": "U2",
                "reaction": "eyes",
                "item": {"type": "message", "channel": "C1", "ts": ts},
                "event_ts": "1.0",
            },
        }
        for _ in range(2):  # delivered twice: one reveal
            await fake.send_envelope("events_api", event)
        await fake.wait_for(lambda: fake.of("chat.postEphemeral"))
        await asyncio.sleep(0.3)
        assert len(fake.of("chat.postEphemeral")) == 1
        assert len(fake.acks) == 4
    finally:
        await handler.close_async()
        await bot.close()
        app.close()
        await fake.stop()


def _last_post_ts_of(app: App) -> str:
    from sqlmodel import select

    from bot.storage.models import DailyPost

    with app.db.transaction() as s:
        return s.exec(select(DailyPost.message_id)).first()  # type: ignore[return-value]


async def test_oauth_install_then_the_new_workspace_works(multi: Rig) -> None:
    """/slack/install sets the state; /slack/oauth_redirect exchanges the code (oauth.v2.access), stores the
    installation with slack_sdk's SQLAlchemy store in the bot's database, and the workspace can use the bot."""
    rig = multi
    session = rig.slack.session
    async with session.get(f"{rig.base}/slack/install", allow_redirects=False) as response:
        location = response.headers.get("Location", "") + await response.text()
        cookie = response.headers["Set-Cookie"].split(";")[0]  # Secure: the jar would not send it over http
    state = re.search(r"state=([\w-]+)", location).group(1)  # type: ignore[union-attr]
    async with session.get(
        f"{rig.base}/slack/oauth_redirect?code=c0de&state={state}", allow_redirects=False, headers={"Cookie": cookie}
    ) as r:
        assert r.status == 200, await r.text()
    assert rig.fake.of("oauth.v2.access")
    bot = await rig.bot.installation_store.async_find_bot(enterprise_id=None, team_id="T9")  # type: ignore[union-attr]
    assert bot is not None and bot.bot_token == "xoxb-T9-token"
    reply = await rig.run_command("/team create Ninth", team="T9")
    assert "Team *Ninth* created" in block_text(reply["blocks"])
    async with session.get(f"{rig.base}/slack/oauth_redirect?code=c0de&state=forged", allow_redirects=False) as r:
        assert r.status >= 400  # a state that was never issued is refused


async def test_quiz_grades_the_shuffled_order_each_member_saw(rig: Rig) -> None:
    """Each member's card lists the options in their own order; the letter showing the correct option is graded
    right and a wrong letter is graded wrong, naming the correct letter."""
    from tests.quiz_helpers import letters, shown_item

    catalog = rig.app.services.catalog
    for user in ("U2", "U3"):
        card = await rig.run_command("/quiz 2", user=user)
        text = block_text(card["blocks"])
        _, item = shown_item(catalog, text)
        right, _ = letters(item, text)
        value = dict(buttons(card["blocks"]))[right]
        before = len(rig.fake.responses)
        await rig.slack.click(value, message_ts="1700000002.000001", ephemeral=True, user=user)
        graded = block_text((await rig.response_after(before))["blocks"])
        assert f"You chose {right}." in graded and "Correct!" in graded, graded
        before = len(rig.fake.responses)
        await rig.slack.click(buttons((await rig.response_after(before - 1))["blocks"])[0][1],
                              message_ts="1700000002.000001", ephemeral=True, user=user)
        second = block_text((card2 := await rig.response_after(before))["blocks"])
        _, item2 = shown_item(catalog, second)
        right2, wrong2 = letters(item2, second)
        before = len(rig.fake.responses)
        await rig.slack.click(dict(buttons(card2["blocks"]))[wrong2], message_ts="1700000002.000001",
                              ephemeral=True, user=user)
        graded2 = block_text((await rig.response_after(before))["blocks"])
        assert f"You chose {wrong2}." in graded2 and f"Not quite: the answer is *{right2}. " in graded2, graded2
