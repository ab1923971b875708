"""studybot's Slack app held against what Slack publishes: the app-manifest JSON schema, and every sample Events
API and interactivity payload, signed and posted to the real Bolt app over HTTP."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from slack_sdk.oauth.installation_store import Installation
from typer.testing import CliRunner

from adapters.cli import app as cli_app
from adapters.slack.manifest import MANIFEST_FILE, manifest
from bot.clock import ManualClock
from tests.slack_conformance import fill_ids, payload_problems, sample_files, schema_errors
from tests.slack_helpers import SIGNING_SECRET, block_text
from tests.test_slack_e2e import Rig, _last_post_ts, _rig

pytestmark = pytest.mark.timeout(120)


async def install(rig: Rig, team: str, enterprise: str | None = None) -> None:
    """An OAuth installation of the app in ``team``, as /slack/oauth_redirect stores it."""
    assert rig.bot.installation_store is not None
    await rig.bot.installation_store.async_save(
        Installation(
            app_id="A1",
            enterprise_id=enterprise,
            team_id=team,
            user_id="UADMIN",
            bot_token=f"xoxb-{team}-token",
            bot_id="BBOT",
            bot_user_id="UBOT",
            bot_scopes=["chat:write", "commands"],
        )
    )


def test_manifest_file_and_generated_manifest_validate_against_slacks_schema() -> None:
    assert schema_errors(yaml.safe_load(MANIFEST_FILE.read_text())) == []
    assert schema_errors(manifest()) == []


def test_the_manifest_command_prints_a_valid_manifest() -> None:
    result = CliRunner().invoke(cli_app, ["slack", "manifest"])
    assert result.exit_code == 0, result.output
    assert schema_errors(yaml.safe_load(result.output)) == []


def test_the_schema_check_can_fail() -> None:
    """The control: an empty usage_hint (minLength 1) is reported."""
    broken = manifest()
    broken["features"]["slash_commands"][0]["usage_hint"] = ""
    assert any("usage_hint" in e or "slash_commands" in e for e in schema_errors(broken))


async def _post_sample(rig: Rig, path: Path, serial: int) -> tuple[int, str, float]:
    data = fill_ids(json.loads(path.read_text()), response_url=rig.fake.response_url(f"sample{serial}"), serial=serial)
    if path.parent.name == "events":
        body, content_type = json.dumps(data), "application/json"
    elif data.get("command") is not None or path.name == "SlashCommandPayload.json":
        data |= {"command": data.get("command") or "/studybot", "text": data.get("text") or "help"}
        form = {k: ("" if v is None else str(v).lower() if isinstance(v, bool) else v) for k, v in data.items()}
        body, content_type = urlencode(form), "application/x-www-form-urlencoded"
    else:
        body, content_type = urlencode({"payload": json.dumps(data)}), "application/x-www-form-urlencoded"
    started = time.monotonic()
    status, text = await rig.slack.post(body, content_type)
    return status, text, time.monotonic() - started


def _noise(records: list[logging.LogRecord]) -> list[str]:
    return [
        f"{r.name} {r.levelname}: {r.getMessage()[:200]}"
        for r in records
        if r.levelno >= logging.WARNING or r.exc_info or "Traceback" in r.getMessage()
    ]


@pytest.mark.parametrize("mode", ["single", "oauth"])
async def test_every_slack_sample_is_acked_quietly_within_3_seconds(
    database_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    files = sample_files("events") + sample_files("app-backend")
    assert len(files) > 100
    removal = ("AppUninstalledPayload.json", "TokensRevokedPayload.json")
    files = [f for f in files if f.name not in removal] + [f for f in files if f.name in removal]  # as in life
    caplog.set_level(logging.DEBUG)
    async for rig in _rig(database_url, clock, multi=mode == "oauth"):
        if mode == "oauth":
            await install(rig, "T1")
        failures = []
        for serial, path in enumerate(files):
            status, text, seconds = await _post_sample(rig, path, serial)
            if status != 200 or seconds >= 3:
                failures.append(f"{path.name}: {status} {text[:100]} in {seconds:.2f}s")
        await asyncio.sleep(0.3)  # let the work behind the acks finish and log whatever it logs
        assert failures == []
        assert _noise(caplog.records) == []
        assert payload_problems(rig.fake) == []


@pytest.fixture
async def rig(database_url: str, clock: ManualClock):
    async for r in _rig(database_url, clock):
        yield r


async def _raw_post(rig: Rig, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    async with rig.slack.session.post(rig.slack.url, data=body, headers=headers) as response:
        return response.status, await response.text()


def _signed(body: bytes, timestamp: int | None = None) -> dict[str, str]:
    import hashlib
    import hmac

    ts = str(timestamp or int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


MALFORMED = {
    "invalid JSON": (b'{"type": "event_callback", ', "application/json"),
    "a JSON list": (b'[{"type": "event_callback"}]', "application/json"),
    "bad UTF-8": (b'{"type": "\xff\xfe event_callback"}', "application/json"),
    "a form payload that is a JSON list": (b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
    "an empty body": (b"", "application/json"),
}


async def test_verification_comes_first_and_bad_requests_get_400_or_401(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    calls = len(rig.fake.calls)
    good = json.dumps({"type": "event_callback", "team_id": "T1", "event": {"type": "app_mention"}}).encode()
    signed = _signed(good)
    for bad_ts in ("abc", "1e9", "", "١٢٣", "-5", " 1700000000"):
        status, _ = await _raw_post(rig, good, {**signed, "X-Slack-Request-Timestamp": bad_ts})
        assert status == 401, bad_ts
    status, _ = await _raw_post(rig, good, {**signed, "X-Slack-Signature": "v0=zz"})
    assert status == 401
    for name, (body, content_type) in MALFORMED.items():
        unsigned = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(int(time.time()))}
        assert (await _raw_post(rig, body, unsigned))[0] == 401, name
        assert (await _raw_post(rig, body, {"Content-Type": content_type}))[0] == 401, name
        assert (await _raw_post(rig, body, {"Content-Type": content_type, **_signed(body)}))[0] == 400, name
    await asyncio.sleep(0.2)
    assert len(rig.fake.calls) == calls  # nothing refused reached Bolt's authorization (auth.test)
    status, _ = await _raw_post(rig, good, {"Content-Type": "application/json", **signed})  # the control
    assert status == 200 and [c.method for c in rig.fake.calls] == ["auth.test"]
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    refused = [r for r in caplog.records if r.getMessage() == "slack request refused"]
    assert len(refused) == 7 + 3 * len(MALFORMED)  # every refusal, one line each


async def test_bad_signature_is_logged_as_a_bounded_summary_never_the_body(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = "SECRET-ANSWER-TEXT"
    body = urlencode({"command": "/team", "text": marker + "x" * 900_000}).encode()
    for _ in range(5):
        status, _ = await _raw_post(
            rig,
            body,
            {"Content-Type": "application/x-www-form-urlencoded", **_signed(b"something else")},
        )
        assert status == 401
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert marker not in logged and len(logged) < 5 * 2000
    assert sum(r.getMessage() == "slack request refused" for r in caplog.records) == 5


@pytest.fixture
async def oauth(database_url: str, clock: ManualClock):
    async for r in _rig(database_url, clock, multi=True):
        for team in ("T1", "T2"):
            await install(r, team)
        yield r


def _envelope(event: dict, *, team: str, installed: str, event_id: str, shared: bool = False) -> str:
    """An Events API envelope as Slack sends it: ``team_id`` the event's workspace, ``authorizations[0]`` the
    installation it is delivered for (they differ in a channel shared with another organisation)."""
    return json.dumps(
        {
            "token": "legacy",
            "team_id": team,
            "api_app_id": "A1",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": installed, "user_id": "UBOT", "is_bot": True, "is_enterprise_install": False}
            ],
            "is_ext_shared_channel": shared,
        }
    )


async def _bots(rig: Rig) -> set[str]:
    with rig.app.db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT team_id FROM slack_bots").all()
        rows += conn.exec_driver_sql("SELECT team_id FROM slack_installations").all()
    return {row[0] for row in rows}


def _enabled(rig: Rig) -> dict[str, bool]:
    from sqlmodel import select

    from bot.storage.models import Channel, Tenant

    with rig.app.db.transaction() as s:
        rows = s.exec(select(Tenant.external_id, Channel.enabled).join(Channel, Channel.tenant_id == Tenant.id)).all()
    return {team: enabled for team, enabled in rows}


async def test_a_reaction_in_a_channel_shared_with_another_organisation_reveals(oauth: Rig) -> None:
    rig = oauth
    await rig.run_command("/studybot schedule 09:00 UTC daily", team="T1")
    await rig.run_command("/studybot post", team="T1")
    await rig.fake.wait_for(lambda: rig.fake.of("chat.postMessage"))
    ts = _last_post_ts(rig)
    reaction = {
        "type": "reaction_added",
        "user": "UOTHER",  # a member of the other organisation's workspace
        "reaction": "eyes",
        "item_user": "UBOT",
        "item": {"type": "message", "channel": "C1", "ts": ts},
        "event_ts": f"{time.time():.6f}",
    }
    body = _envelope(reaction, team="TOTHER", installed="T1", event_id="EvSHARED1", shared=True)
    status, _ = await rig.slack.post(body, "application/json")
    assert status == 200
    await rig.fake.wait_for(lambda: rig.fake.of("chat.postEphemeral"))
    call = rig.fake.of("chat.postEphemeral")[0]
    assert call.args["user"] == "UOTHER" and call.args["channel"] == "C1" and call.token == "xoxb-T1-token"
    assert "Model answer" in block_text(call.args["blocks"])
    assert payload_problems(rig.fake) == []


async def test_uninstall_and_revocation_forget_the_tokens_and_stop_the_posts(oauth: Rig) -> None:
    from datetime import timedelta

    from scheduler.facade import tick

    rig = oauth
    for team in ("T1", "T2"):
        await rig.run_command("/studybot schedule 09:00 UTC daily", team=team)
    assert _enabled(rig) == {"T1": True, "T2": True}
    # a user token revoked: the bot's installation stays and so do the posts
    revoked_user = {"type": "tokens_revoked", "tokens": {"oauth": ["UADMIN"], "bot": []}}
    status, _ = await rig.slack.post(
        _envelope(revoked_user, team="T2", installed="T2", event_id="EvREV1"), "application/json"
    )
    assert status == 200
    uninstalled = {"type": "app_uninstalled"}
    status, _ = await rig.slack.post(
        _envelope(uninstalled, team="T1", installed="T1", event_id="EvUN1"), "application/json"
    )
    assert status == 200
    await rig.fake.wait_for(lambda: _enabled(rig) == {"T1": False, "T2": True})
    assert await _bots(rig) == {"T2"}
    assert await rig.bot.installation_store.async_find_bot(enterprise_id=None, team_id="T1") is None  # type: ignore[union-attr]
    posted = rig.fake.of("chat.postMessage")
    await tick(rig.app.services, {"slack": rig.bot.port}, rig.app.services.clock.now() + timedelta(hours=2, minutes=1))
    after = rig.fake.of("chat.postMessage")[len(posted) :]
    assert after and {c.token for c in after} == {"xoxb-T2-token"}  # T2's question (and weekly board) only
    # the bot token revoked: forgotten, and T2's channels are off too
    revoked_bot = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}
    status, _ = await rig.slack.post(
        _envelope(revoked_bot, team="T2", installed="T2", event_id="EvREV2"), "application/json"
    )
    assert status == 200
    await rig.fake.wait_for(lambda: _enabled(rig) == {"T1": False, "T2": False})
    assert await _bots(rig) == set()
    # the data is kept; installed again, the admin is told why the channel is off
    await install(rig, "T1")
    reply = await rig.run_command("/studybot status", team="T1")
    assert "removed from this workspace" in block_text(reply["blocks"])


def _rows_of(rig: Rig, team: str) -> dict[str, int]:
    """Rows per table that belong to one workspace (by tenant_id), for the purge."""
    from sqlalchemy import func, select, text
    from sqlmodel import SQLModel

    with rig.app.db.engine.connect() as conn:
        tenant = conn.execute(text("SELECT id FROM tenants WHERE external_id = :team"), {"team": team}).scalar()
        counts = {
            name: conn.execute(select(func.count()).select_from(table).where(table.c.tenant_id == tenant)).scalar_one()
            for name, table in SQLModel.metadata.tables.items()
            if "tenant_id" in table.c
        }
    return {name: n for name, n in counts.items() if n} | ({"tenants": 1} if tenant is not None else {})


async def test_an_admin_purges_a_removed_workspace_and_only_it(oauth: Rig, database_url: str) -> None:
    rig = oauth
    for team in ("T1", "T2"):
        await rig.run_command("/studybot schedule 09:00 UTC daily", team=team)
        await rig.run_command("/team create Owls", team=team)
        await rig.run_command("/studybot post", team=team)
        await rig.slack.react(_last_post_ts(rig), team=team, user="U2")
    await rig.fake.wait_for(lambda: len(rig.fake.of("chat.postEphemeral")) == 2)
    t2_before = _rows_of(rig, "T2")
    assert {"channels", "users", "teams", "daily_posts", "reveals", "points_ledger"} <= set(_rows_of(rig, "T1"))
    runner = CliRunner()
    env = {"DATABASE_URL": database_url}
    refused = runner.invoke(cli_app, ["slack", "purge", "not a team", "--yes"], env=env)
    assert refused.exit_code == 2 and "is not a Slack team id" in refused.output and "Traceback" not in refused.output
    assert runner.invoke(cli_app, ["slack", "purge", "T1"], input="n\n", env=env).exit_code == 1  # asked, declined
    assert _rows_of(rig, "T1") != {}
    result = runner.invoke(cli_app, ["slack", "purge", "T1", "--yes"], env=env)
    assert result.exit_code == 0, result.output
    assert "Deleted the data of Slack workspace T1" in result.output and "reveals" in result.output
    assert _rows_of(rig, "T1") == {} and _rows_of(rig, "T2") == t2_before
    again = runner.invoke(cli_app, ["slack", "purge", "T1", "--yes"], env=env)
    assert again.exit_code == 1 and "keeps no data" in again.output
    assert payload_problems(rig.fake) == []


#: The bot scope each Web API method studybot calls needs (Slack's method reference); none for views.publish/open.
METHOD_SCOPES: dict[str, set[str]] = {
    "chat_postMessage": {"chat:write", "chat:write.public"},  # .public: channels the bot was not invited to
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "conversations_history": {"channels:history", "groups:history"},  # public and private channels
    "files_upload_v2": {"files:write"},
    "users_info": {"users:read"},
    "views_publish": set(),
    "views_open": set(),  # a modal, opened with the trigger of the press that asked for it
}
#: Scopes that events and slash commands need: reaction_added, and the commands themselves.
EVENT_SCOPES = {"reactions:read", "commands"}


def test_bot_scopes_are_exactly_what_the_calls_and_events_need() -> None:
    import re

    from adapters.slack.app import BOT_EVENTS, BOT_SCOPES

    source = "\n".join(p.read_text() for p in (Path(__file__).parents[1] / "adapters" / "slack").glob("*.py"))
    socket_client = {"is_connected"}  # the Socket Mode client's own state, not a Web API method
    called = set(re.findall(r"client\.([a-z]+_[A-Za-z0-9_]+)\(", source)) - socket_client
    assert called and called <= set(METHOD_SCOPES), (
        f"a new Web API call: add it and its scope: {called - set(METHOD_SCOPES)}"
    )
    needed = set().union(*(METHOD_SCOPES[m] for m in called)) | EVENT_SCOPES
    assert set(BOT_SCOPES) == needed and "im:write" not in BOT_SCOPES
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    slack_section = readme[readme.index("## Slack") : readme.index("## Discord")]
    for scope in BOT_SCOPES:
        assert f"`{scope}`" in slack_section, f"README's Slack section does not list {scope}"
    assert "im:write" not in slack_section
    for event in BOT_EVENTS:
        assert f"`{event}`" in slack_section


async def test_a_workspace_of_an_enterprise_grid_is_served_and_posted_to(oauth: Rig) -> None:
    """The installation's organisation comes from Bolt's context for requests; the scheduler knows only the team."""
    from datetime import timedelta

    from scheduler.facade import tick

    rig = oauth
    await install(rig, "T3", enterprise="E1")
    form = {
        "team_id": "T3",
        "team_domain": "three",
        "enterprise_id": "E1",
        "enterprise_name": "Grid",
        "channel_id": "C3",
        "channel_name": "study",
        "user_id": "UADMIN",
        "user_name": "admin",
        "command": "/studybot",
        "text": "schedule 09:00 UTC daily",
        "api_app_id": "A1",
        "is_enterprise_install": "false",
        "response_url": rig.fake.response_url("grid1"),
        "trigger_id": "trigger.grid.1",
    }
    status, _ = await rig.slack.post(urlencode(form), "application/x-www-form-urlencoded")
    assert status == 200
    await rig.fake.wait_for(lambda: rig.fake.responses)
    assert "Daily question at 09:00" in block_text(rig.fake.responses[-1][1]["blocks"])
    assert [c.token for c in rig.fake.of("users.info")] == ["xoxb-T3-token"]
    await tick(rig.app.services, {"slack": rig.bot.port}, rig.app.services.clock.now() + timedelta(hours=2, minutes=1))
    posts = [c for c in rig.fake.of("chat.postMessage") if c.args["channel"] == "C3"]
    assert posts and {c.token for c in posts} == {"xoxb-T3-token"}


async def test_url_verification_and_ssl_check_are_answered(rig: Rig) -> None:
    """The two requests Slack sends when a Request URL is set and checked."""
    challenge = json.dumps(
        {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    status, text = await rig.slack.post(challenge, "application/json")
    assert status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in text
    status, _ = await rig.slack.post(
        urlencode({"ssl_check": "1", "token": "legacy"}), "application/x-www-form-urlencoded"
    )
    assert status == 200


def test_a_shared_channel_reaction_belongs_to_the_installation_not_the_envelope() -> None:
    """Slack's sample reaction_added, delivered for installation T1 from another organisation's workspace."""
    from adapters.slack.translate import reaction_event

    path = next(p for p in sample_files("events") if p.name == "ReactionAddedPayload.json")
    body = fill_ids(json.loads(path.read_text()), response_url="", serial=1)
    body |= {"team_id": "TOTHER", "is_ext_shared_channel": True}
    event = reaction_event(body)
    assert event is not None and event.origin.tenant_id == "T1"  # authorizations[0], as Bolt's context says
    with_context = reaction_event(body, team_id="T1", enterprise_id="E1")
    assert with_context is not None and with_context.origin.reply_handle.enterprise_id == "E1"
