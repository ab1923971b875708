"""``studybot doctor``: configuration, database, decks and platform credentials, in one report."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import aiohttp

from bot.settings import Settings

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

OK, NOTE, WARN, FAIL = "ok", "note", "warn", "fail"
NETWORK_TIMEOUT = 5.0
_DISCORD_TOKEN = re.compile(r"^[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}$")
_SLACK_CLIENT_ID = re.compile(r"^\d+\.\d+$")
_SIGNING_SECRET = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Check:
    area: str
    status: str
    detail: str


def check_configuration(settings: Settings) -> list[Check]:
    out: list[Check] = []
    if not settings.slack_configured and not settings.discord_configured:
        out.append(
            Check(
                "platforms",
                WARN,
                "neither Slack nor Discord is configured: only `studybot console` and `studybot demo` can run",
            )
        )
    if settings.slack_configured:
        mode = "several workspaces (OAuth)" if settings.slack_multi_workspace else "one workspace"
        out.append(Check("slack", OK, f"configured for {mode}"))
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        if token is not None and not token.startswith("xoxb-"):
            out.append(Check("slack", FAIL, "SLACK_BOT_TOKEN should start with xoxb- (the Bot User OAuth Token)"))
        if settings.slack_signing_secret is None:
            out.append(Check("slack", FAIL, "SLACK_SIGNING_SECRET is missing (Basic Information > Signing Secret)"))
        elif not _SIGNING_SECRET.match(settings.slack_signing_secret.get_secret_value()):
            out.append(Check("slack", WARN, "SLACK_SIGNING_SECRET does not look like Slack's (32 hex characters)"))
        app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
        if app_token is None:
            out.append(Check("slack", OK, "no SLACK_APP_TOKEN: HTTP mode (Events API on /slack/events)"))
        elif not app_token.startswith("xapp-"):
            out.append(Check("slack", FAIL, "SLACK_APP_TOKEN should start with xapp- (an app-level token)"))
        else:
            out.append(Check("slack", OK, "Socket Mode (SLACK_APP_TOKEN set)"))
        if settings.slack_client_id and not _SLACK_CLIENT_ID.match(settings.slack_client_id):
            out.append(Check("slack", FAIL, "SLACK_CLIENT_ID should look like 1234567890.1234567890"))
        if settings.slack_client_id and settings.slack_client_secret is None:
            out.append(Check("slack", FAIL, "SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is missing"))
    if settings.discord_token is not None:
        if _DISCORD_TOKEN.match(settings.discord_token.get_secret_value()):
            out.append(Check("discord", OK, "DISCORD_TOKEN has a bot token's shape"))
        else:
            out.append(
                Check("discord", FAIL, "DISCORD_TOKEN does not look like a bot token (three parts joined by dots)")
            )
    return out


def check_database(settings: Settings) -> list[Check]:
    """Reads only: a SQLite file that does not exist yet is a note (the bot creates it and its schema at start),
    never created here; an existing one is opened read-only."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bot.storage.db import _normalise_url

    label = database_label(settings)
    url = make_url(_normalise_url(settings.database_url))
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return [Check("database", NOTE, "an in-memory SQLite database: nothing is kept between runs")]
        path = Path(url.database).expanduser().resolve()
        if not path.is_file():
            return [Check("database", NOTE, f"no database yet at {path}: the bot creates it (and its schema) at start")]
        # No -wal file: nobody has the database open, and read-only would still create -wal/-shm files; immutable
        # reads without them. With one (the bot runs), a read-only connection shares them.
        wal = path.with_name(path.name + "-wal").exists()
        engine = create_engine(f"sqlite:///file:{quote(str(path))}?{'mode=ro' if wal else 'immutable=1'}&uri=true")
    else:
        engine = create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = _revision(conn)
    except Exception as exc:
        return [Check("database", FAIL, f"cannot connect to {label}: {type(exc).__name__}")]
    finally:
        engine.dispose()
    head = _head_revision()
    if current == head:
        return [Check("database", OK, f"{label} reachable, schema at revision {current} (current)")]
    if current is None:
        return [Check("database", NOTE, f"{label} reachable, no schema yet: the bot creates it at start")]
    if current in _known_revisions():
        return [
            Check(
                "database",
                NOTE,
                f"{label} reachable, schema at revision {current}: the bot upgrades it to {head} at start "
                "(or run `studybot db upgrade`)",
            )
        ]
    return [
        Check(
            "database",
            FAIL,
            f"schema at revision {current}, unknown to this version of studybot (it knows up to {head}): "
            "was the database upgraded by a newer studybot?",
        )
    ]


def _revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _script() -> ScriptDirectory:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from bot.storage.migrate import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def _head_revision() -> str | None:
    return _script().get_current_head()


def _known_revisions() -> set[str]:
    return {r.revision for r in _script().walk_revisions()}


def database_label(settings: Settings) -> str:
    url = settings.database_url
    return re.sub(r"//[^@/]*@", "//***@", url)  # never show a password


def check_decks(settings: Settings) -> list[Check]:
    from bot.bootstrap import load_decks
    from bot.content.loader import DeckError

    try:
        catalog = load_decks(settings)
    except DeckError as exc:
        first = "; ".join(str(p) for p in exc.problems[:3])
        return [Check("decks", FAIL, f"{len(exc.problems)} problem(s), run `studybot content validate`: {first}")]
    out = [Check("decks", OK, ", ".join(f"{d.id} ({len(d.questions)} questions)" for d in catalog.decks.values()))]
    if settings.default_deck not in catalog.decks:
        out.append(Check("decks", FAIL, f"STUDYBOT_DEFAULT_DECK={settings.default_deck} is not a deck"))
    return out


async def check_credentials(settings: Settings) -> list[Check]:
    out: list[Check] = []
    timeout = aiohttp.ClientTimeout(total=NETWORK_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        if settings.slack_bot_token is not None:
            out.append(await _slack_auth_test(session, settings))
        if settings.discord_token is not None:
            out.append(await _discord_me(session, settings))
    return out


async def _slack_auth_test(session: aiohttp.ClientSession, settings: Settings) -> Check:
    url = settings.slack_api_url.rstrip("/") + "/auth.test"
    headers = {"Authorization": f"Bearer {settings.slack_bot_token.get_secret_value()}"}  # type: ignore[union-attr]
    try:
        async with session.post(url, headers=headers) as response:
            data = await response.json(content_type=None)
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        return Check(
            "slack", WARN, f"could not reach the Slack API to check the token ({type(exc).__name__}); offline?"
        )
    if data.get("ok"):
        return Check("slack", OK, f"auth.test: team {data.get('team') or data.get('team_id')} as @{data.get('user')}")
    return Check("slack", FAIL, f"auth.test refused the bot token: {data.get('error', 'unknown error')}")


async def _discord_me(session: aiohttp.ClientSession, settings: Settings) -> Check:
    url = settings.discord_api_base.rstrip("/") + "/users/@me"
    headers = {"Authorization": f"Bot {settings.discord_token.get_secret_value()}"}  # type: ignore[union-attr]
    try:
        async with session.get(url, headers=headers) as response:
            status = response.status
            data = await response.json(content_type=None) if status == 200 else {}
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        return Check(
            "discord", WARN, f"could not reach the Discord API to check the token ({type(exc).__name__}); offline?"
        )
    if status == 200:
        return Check("discord", OK, f"/users/@me: {data.get('username', '?')} (id {data.get('id', '?')})")
    return Check("discord", FAIL, f"/users/@me answered {status}: the token is wrong or was reset")


def run_checks(settings: Settings) -> list[Check]:
    checks = check_configuration(settings) + check_database(settings) + check_decks(settings)
    checks += asyncio.run(check_credentials(settings))
    return checks
