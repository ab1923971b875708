"""``studybot slack``: run the Slack app (Socket Mode, or HTTP with --http), and print its manifest."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer

slack_app = typer.Typer(
    help="Run studybot on Slack (Socket Mode by default, --http for HTTP mode).", invoke_without_command=True
)
log = logging.getLogger(__name__)


@slack_app.callback()
def run(
    ctx: typer.Context,
    http: Annotated[bool, typer.Option("--http", help="Serve the Events API on HTTP instead of Socket Mode.")] = False,
    port: Annotated[int, typer.Option(help="HTTP port (with --http).", min=1, max=65535)] = 3000,
    host: Annotated[str, typer.Option(help="HTTP address to listen on (with --http).")] = "0.0.0.0",
) -> None:
    """Connect to Slack and serve until stopped (Ctrl+C or SIGTERM)."""
    if ctx.invoked_subcommand is not None:
        return
    from adapters.cli_support import bootstrap_or_exit, configure_logging, fail, load_settings

    settings = load_settings()
    configure_logging(settings.log_level, settings)
    if not settings.slack_configured or settings.slack_signing_secret is None:
        raise fail(
            "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (and SLACK_APP_TOKEN for "
            "Socket Mode)",
            "SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... SLACK_APP_TOKEN=xapp-... studybot slack",
        )
    if not http and settings.slack_app_token is None:
        raise fail(
            "Socket Mode needs SLACK_APP_TOKEN (an app-level token, xapp-...); or run with --http",
            "SLACK_APP_TOKEN=xapp-1-... studybot slack",
        )
    bot_app = bootstrap_or_exit(settings)
    try:
        asyncio.run(_serve(bot_app, settings, http=http, host=host, port=port))
    finally:
        bot_app.close()


async def _serve(bot_app, settings, *, http: bool, host: str, port: int) -> None:
    from adapters.runner import CLOSE_TIMEOUT
    from adapters.slack.app import build_slack_bot
    from adapters.slack.server import serve_http, socket_mode_handler

    slack = build_slack_bot(bot_app, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if http:
        runner = await serve_http(slack, host, port)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
    else:
        handler = socket_mode_handler(slack, settings.slack_app_token.get_secret_value())
        connecting = asyncio.create_task(handler.connect_async())  # retries while Slack is unreachable
        try:
            await stop.wait()
        finally:
            connecting.cancel()
            await asyncio.wait({connecting}, timeout=CLOSE_TIMEOUT)
            await asyncio.wait_for(handler.close_async(), CLOSE_TIMEOUT)
    await asyncio.wait_for(slack.close(), CLOSE_TIMEOUT * 2)
    log.info("slack stopped")


@slack_app.command("manifest")
def manifest() -> None:
    """Print the app manifest (YAML) to paste into Slack's "Create New App > From an app manifest"."""
    from adapters.slack.manifest import manifest_yaml

    typer.echo(manifest_yaml(), nl=False)


@slack_app.command("purge")
def purge(
    team_id: Annotated[str, typer.Argument(help="The workspace's team id (T...), as logged when it removed the app.")],
    yes: Annotated[bool, typer.Option("--yes", help="Delete without asking.")] = False,
) -> None:
    """Delete everything studybot keeps about one workspace: channels, members, teams, posts, points, streaks,
    reviews. Run it after the workspace removed the app (its channels are off and its tokens already gone)."""
    import re

    from adapters.cli_support import bootstrap_or_exit as _bootstrap
    from adapters.cli_support import fail as _fail
    from adapters.cli_support import load_settings as _settings
    from adapters.slack.translate import PLATFORM
    from bot.services.removal import purge_tenant

    if not re.fullmatch(r"[TE][A-Z0-9]{1,30}", team_id):
        raise _fail(f"`{team_id}` is not a Slack team id (T and capitals or digits)", "studybot slack purge T0123ABCD")
    if not yes and not typer.confirm(f"Delete all studybot data of Slack workspace {team_id}?"):
        raise typer.Exit(1)
    bot_app = _bootstrap(_settings())
    try:
        deleted = purge_tenant(bot_app.services, PLATFORM, team_id)
    finally:
        bot_app.close()
    if deleted is None:
        raise _fail(f"studybot keeps no data of Slack workspace {team_id}", "studybot slack purge T0123ABCD", code=1)
    typer.echo(f"Deleted the data of Slack workspace {team_id}: " + ", ".join(f"{n} {t}" for t, n in deleted.items()))
