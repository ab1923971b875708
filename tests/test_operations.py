"""Operations: /healthz, /readyz and /metrics, each metric moving with its event, structured logs without
secrets, and the doctor's report on good and broken configurations."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from adapters.doctor import FAIL, OK, WARN, check_configuration, run_checks
from adapters.ops import add_ops_routes, metrics_app, serve
from bot.bootstrap import App
from bot.clock import ManualClock
from bot.logcontext import BODY_LOGGERS, JsonFormatter, TextFormatter, configure_logging, log_context
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from fakes.slack_fake import FakeSlack
from tests.conftest import Harness

STUDYBOT = str(Path(sys.executable).parent / "studybot")


@pytest.fixture
async def ops(app: App) -> AsyncIterator[tuple[str, dict, str]]:
    state = {"slack": True}

    async def slack_ready() -> bool:
        return state["slack"]

    web_app = web.Application()
    add_ops_routes(web_app, app, {"slack": slack_ready})
    runner = await serve(web_app, "127.0.0.1", 0)
    metrics = await serve(metrics_app(app), "127.0.0.1", 0)
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", state, f"http://127.0.0.1:{metrics.addresses[0][1]}"
    await runner.cleanup()
    await metrics.cleanup()


async def test_healthz_readyz_and_metrics(ops: tuple[str, dict, str], harness: Harness) -> None:
    base, state, metrics_base = ops
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/healthz") as r:
            assert r.status == 200 and await r.text() == "ok"
        async with session.get(f"{base}/readyz") as r:
            assert r.status == 200 and await r.json() == {"ready": True, "checks": {"database": True, "slack": True}}
        state["slack"] = False  # a platform disconnected
        async with session.get(f"{base}/readyz") as r:
            assert r.status == 503 and (await r.json())["checks"]["slack"] is False
            assert (await r.json())["down"] == ["slack"]
        async with session.get(f"{base}/metrics") as r:
            assert r.status == 404  # not on the public port
        await harness.run("/studybot schedule 09:00 UTC daily", ":next-day", ":as bob", ":react 👀")
        async with session.get(f"{metrics_base}/metrics") as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain")
            text = await r.text()
    assert 'studybot_reveals_total{platform="console",via="reaction"} 1.0' in text
    assert 'studybot_commands_total{command="studybot schedule",outcome="ok"} 1.0' in text
    assert "studybot_handler_seconds_bucket" in text


async def test_readyz_reports_a_database_that_is_gone(tmp_path: Path, clock: ManualClock) -> None:
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'gone.db'}", clock)
    web_app = web.Application()
    add_ops_routes(web_app, app, {})
    runner = await serve(web_app, "127.0.0.1", 0)
    try:
        app.db.engine.dispose()
        (tmp_path / "gone.db").unlink()
        (tmp_path / "gone.db").mkdir()  # a directory where the database file was: it cannot be opened
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/readyz"
        async with aiohttp.ClientSession() as session, session.get(url) as r:
            assert r.status == 503 and (await r.json())["checks"]["database"] is False
        assert app.services.metrics.value("studybot_database_errors_total", operation="readyz") == 1
    finally:
        await runner.cleanup()


async def test_each_metric_moves_with_its_event(harness: Harness) -> None:
    m = harness.app.services.metrics
    await harness.run("/studybot schedule 09:00 UTC daily", ":next-day")
    assert m.value("studybot_posts_total", platform="console", outcome="sent") == 1
    await harness.run(":as bob", ":react 👀")
    assert m.value("studybot_reveals_total", platform="console", via="reaction") == 1
    await harness.run(":as carol", ":click 1")
    assert m.value("studybot_reveals_total", platform="console", via="button") == 0  # latest buttons: bob's grades
    await harness.run(":as bob", "/quiz 1", ":click 1")
    assert sum(m.value("studybot_quiz_answers_total", platform="console", result=r) for r in ("correct", "wrong")) == 1
    await harness.run("/studybot schedule 25:00 UTC", "/team leave")
    assert m.value("studybot_commands_total", command="studybot schedule", outcome="user_error") == 1
    assert m.value("studybot_commands_total", command="team leave", outcome="user_error") == 1
    from bot.events import ReactionAdded
    from tests.test_idempotency import origin

    event = ReactionAdded(origin(user="dave", event_id="dup-1"), harness.port.latest_daily_post, "👀")
    await harness.app.core.handle(event, harness.port)
    await harness.app.core.handle(event, harness.port)
    assert m.value("studybot_dedupe_hits_total", platform="console") == 1
    assert m.value("studybot_handler_seconds_count", platform="console", event="reaction") >= 3
    from datetime import timedelta

    from scheduler.facade import tick

    later = harness.clock.now() + timedelta(days=1, minutes=5)  # the next question day, five minutes late
    harness.clock.set(later)
    await tick(harness.app.services, {"console": harness.port}, later)
    assert m.value("studybot_scheduler_lag_seconds_count", platform="console") == 1
    assert m.value("studybot_scheduler_lag_seconds_sum", platform="console") == pytest.approx(300, abs=1)


async def test_rate_limits_and_retries_are_counted(database_url: str, clock: ManualClock) -> None:
    from adapters.slack.app import build_slack_port
    from bot.posts.daily import post_daily
    from tests.conftest import make_app
    from tests.test_scheduler import enable_slack_channels

    fake = await FakeSlack().start()
    overrides = {"slack_bot_token": "xoxb-T1-token", "slack_signing_secret": "s", "slack_api_url": fake.api_url}
    app = make_app(database_url, clock, **overrides)
    try:
        await enable_slack_channels(app, ["C1"])
        fake.limited_channels["C1"] = 1
        port = build_slack_port(app, Settings(database_url=database_url, **overrides))  # type: ignore[arg-type]
        result = await post_daily(app.services, port, 1, clock.now().date())
        assert result.status == "posted"
        assert app.services.metrics.value("studybot_rate_limited_total", platform="slack") == 1
        assert app.services.metrics.value("studybot_retries_total", platform="slack") == 1
    finally:
        app.close()
        await fake.stop()


def test_json_logs_carry_context_and_never_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json", ["xoxb-secret-token-123", "signing-secret-456"])
    log = logging.getLogger("studybot.test")
    with log_context(platform="slack", tenant="T1", channel="C1", event_id="Ev1"):
        log.info("posted with token xoxb-secret-token-123", extra={"attempt": 2})
    log.warning("outside any event: signing-secret-456")
    lines = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    assert lines[0]["platform"] == "slack" and lines[0]["tenant"] == "T1" and lines[0]["channel"] == "C1"
    assert lines[0]["event_id"] == "Ev1" and lines[0]["attempt"] == 2 and lines[0]["level"] == "info"
    assert "[redacted]" in lines[0]["message"] and "xoxb-secret" not in json.dumps(lines)
    assert lines[1]["platform"] == "-" and "signing-secret-456" not in lines[1]["message"]
    logging.getLogger().handlers.clear()
    for library in BODY_LOGGERS:  # as the other tests expect them: the process's configuration is not theirs
        logging.getLogger(library).setLevel(logging.NOTSET)


def test_text_logs_are_readable_with_context() -> None:
    record = logging.LogRecord("studybot.daily", logging.INFO, __file__, 1, "daily question posted", (), None)
    record.platform, record.tenant, record.channel, record.event_id = "discord", "G1", "C9", "-"
    line = TextFormatter([]).format(record)
    assert "INFO studybot.daily [platform=discord tenant=G1 channel=C9 event_id=-] daily question posted" in line
    assert json.loads(JsonFormatter([]).format(record))["channel"] == "C9"


def test_doctor_configuration_shapes() -> None:
    def statuses(**kw: str) -> list[tuple[str, str]]:
        return [(c.area, c.status) for c in check_configuration(Settings(**kw))]  # type: ignore[arg-type]

    assert statuses() == [("platforms", WARN)]
    good = statuses(slack_bot_token="xoxb-1-2", slack_signing_secret="0" * 32, slack_app_token="xapp-1-A")
    assert FAIL not in [s for _, s in good]
    assert ("slack", FAIL) in statuses(slack_bot_token="xoxp-user-token", slack_signing_secret="0" * 32)
    assert ("slack", FAIL) in statuses(slack_bot_token="xoxb-1", slack_app_token="xoxb-not-app")
    assert ("slack", FAIL) in statuses(slack_bot_token="xoxb-1")  # no signing secret
    assert ("slack", FAIL) in statuses(slack_client_id="abc", slack_client_secret="x", slack_signing_secret="0" * 32)
    assert ("discord", FAIL) in statuses(discord_token="not-a-token")
    assert ("discord", OK) in statuses(discord_token="MTA" + "x" * 21 + ".GhIjKl." + "y" * 27)


async def test_doctor_against_a_fake_slack(tmp_path: Path) -> None:
    fake = await FakeSlack().start()
    try:
        url = f"sqlite:///{tmp_path / 'd.db'}"
        db = Database(url)
        upgrade(db)
        db.dispose()
        settings = Settings(
            database_url=url, slack_bot_token="xoxb-T1-token", slack_signing_secret="0" * 32, slack_api_url=fake.api_url
        )
        import asyncio

        checks = await asyncio.to_thread(run_checks, settings)
        assert all(c.status != FAIL for c in checks), checks
        assert any("auth.test: team" in c.detail for c in checks)
        fake.failing["auth.test"] = "invalid_auth"
        checks = await asyncio.to_thread(run_checks, settings)
        assert any(c.status == FAIL and "invalid_auth" in c.detail for c in checks)
    finally:
        await fake.stop()


def test_doctor_cli_good_and_broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from adapters.cli import app as cli_app

    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("STUDYBOT_", "DATABASE_URL", "SLACK_", "DISCORD_")):
            monkeypatch.delenv(name)

    def doctor(**extra: str):
        return CliRunner().invoke(cli_app, ["doctor"], env=extra)

    fresh = doctor(DATABASE_URL=f"sqlite:///{tmp_path / 'new.db'}")
    assert fresh.exit_code == 0 and "no database yet" in fresh.stdout, fresh.stdout
    assert not (tmp_path / "new.db").exists()
    subprocess.run(
        [STUDYBOT, "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"},
        check=True,
        capture_output=True,
        timeout=60,
    )
    good = doctor(DATABASE_URL=f"sqlite:///{tmp_path / 'new.db'}")
    assert good.exit_code == 0, good.stdout
    assert "✓ database" in good.stdout and "✓ decks: mlops-interview (36 questions)" in good.stdout
    unreachable = doctor(DATABASE_URL="postgresql+psycopg://nobody:secretpw@127.0.0.1:1/none")
    assert unreachable.exit_code == 1 and "cannot connect" in unreachable.stdout
    assert "secretpw" not in unreachable.stdout
    offline = doctor(
        DATABASE_URL=f"sqlite:///{tmp_path / 'new.db'}",
        DISCORD_TOKEN="MTA" + "x" * 21 + ".GhIjKl." + "y" * 27,
        DISCORD_API_BASE="http://127.0.0.1:1/api/v10",
    )
    assert offline.exit_code == 0 and "could not reach the Discord API" in offline.stdout
    assert all(r.exception is None or isinstance(r.exception, SystemExit) for r in (fresh, good, unreachable, offline))


def test_doctor_only_reads(tmp_path: Path) -> None:
    """A database in a missing folder: a note, and neither the folder nor the file appears. An existing database
    is read without a trace (no -wal/-shm files); an old schema is a note, an unknown one a problem."""
    from sqlalchemy import text

    from adapters.doctor import NOTE, check_database

    missing = tmp_path / "no" / "such" / "folder" / "studybot.db"
    [check] = check_database(Settings(database_url=f"sqlite:///{missing}"))
    assert check.status == NOTE and "no database yet" in check.detail and "creates it" in check.detail
    assert list(tmp_path.iterdir()) == []
    url = f"sqlite:///{tmp_path / 'with space.db'}"
    db = Database(url)
    upgrade(db)
    db.dispose()
    before = sorted(p.name for p in tmp_path.iterdir())
    [check] = check_database(Settings(database_url=url))
    assert check.status == OK and "(current)" in check.detail
    assert sorted(p.name for p in tmp_path.iterdir()) == before == ["with space.db"]

    def check_at(version: str):  # the doctor's view once the schema says it is at ``version``
        db = Database(url)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :version"), {"version": version})
        db.dispose()
        [check] = check_database(Settings(database_url=url))
        return check

    old = check_at("0003")
    assert old.status == NOTE and "upgrades it" in old.detail
    unknown = check_at("9999")
    assert unknown.status == FAIL and "unknown" in unknown.detail


def test_systemd_unit_steps_work_on_a_fresh_host(tmp_path: Path) -> None:
    """The unit's ExecStartPre (doctor) passes with no database yet, creates nothing, and the bot's start then
    creates the schema: the documented steps work the first time."""
    unit = (Path(__file__).parents[1] / "deploy" / "studybot.service").read_text()
    home = tmp_path / "var-lib-studybot"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STUDYBOT_", "DATABASE_URL", "SLACK_", "DISCORD_"))}
    for line in unit.splitlines():
        if line.startswith("Environment="):
            name, _, value = line.removeprefix("Environment=").partition("=")
            env[name] = value.replace("/var/lib/studybot", str(home))
    pre = [line.removeprefix("ExecStartPre=").split() for line in unit.splitlines() if line.startswith("ExecStartPre=")]
    assert pre, "the unit checks the settings before it starts"
    for command in pre:
        assert command[0] == "/var/lib/studybot/venv/bin/studybot"
        result = subprocess.run(
            [STUDYBOT, *command[1:]], env=env, cwd=home, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr
    assert list(home.iterdir()) == []
    from bot.bootstrap import bootstrap

    app = bootstrap(Settings(database_url=env["DATABASE_URL"]))  # what `studybot run` does first
    app.close()
    from adapters.doctor import check_database

    assert check_database(Settings(database_url=env["DATABASE_URL"]))[0].status == OK


def test_grafana_dashboard_reads_metrics_that_exist() -> None:
    import re

    from bot.metrics import Metrics

    dashboard = json.loads((Path(__file__).resolve().parents[1] / "deploy" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"studybot_[a-z_]+", e)}
    families = {family.name for family in Metrics().registry.collect()}
    missing = {
        u
        for u in used
        if u not in families and u.removesuffix("_total") not in families and u.removesuffix("_bucket") not in families
    }
    assert used and missing == set()
