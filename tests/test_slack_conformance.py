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
from tests.slack_conformance import fill_ids, sample_files, schema_errors
from tests.slack_helpers import SIGNING_SECRET
from tests.test_slack_e2e import Rig, _rig

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
