"""``studybot discord``: run the bot on Discord; ``studybot discord invite-url``: the link that adds it to a server.

discord.py is imported inside the commands only, so ``studybot --help`` stays fast.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

discord_app = typer.Typer(
    help="Run studybot on Discord (needs DISCORD_TOKEN); invite-url prints the link that adds it to a server.",
    invoke_without_command=True,
)

TOKEN_EXAMPLE = "DISCORD_TOKEN=MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.xyz studybot discord"


@discord_app.callback()
def run(ctx: typer.Context) -> None:
    """Connect to Discord and serve until stopped (Ctrl+C or SIGTERM)."""
    if ctx.invoked_subcommand is not None:
        return
    from adapters.cli_support import bootstrap_or_exit, configure_logging, fail, load_settings

    settings = load_settings()
    if settings.discord_token is None:
        raise fail(f"DISCORD_TOKEN is not set (the bot token from the Developer Portal); for example {TOKEN_EXAMPLE}")
    configure_logging(settings.log_level, settings)
    bot_app = bootstrap_or_exit(settings)

    import aiohttp

    from adapters.discord.runner import TokenRejected, serve

    try:
        asyncio.run(serve(bot_app, settings))
    except TokenRejected:
        raise fail("Discord rejected DISCORD_TOKEN (401): reset the bot token in the Developer Portal and set it "
                    f"again; for example {TOKEN_EXAMPLE}") from None
    except (OSError, aiohttp.ClientError) as exc:
        raise fail(f"cannot connect to Discord ({type(exc).__name__}: {exc})", code=1) from None
    finally:
        bot_app.close()


@discord_app.command("invite-url")
def invite_url(
    client_id: Annotated[
        str | None, typer.Option("--client-id", help="The application id (default: read from DISCORD_TOKEN).")
    ] = None,
) -> None:
    """Print the OAuth2 URL that adds the bot to a server: scopes bot and applications.commands, least permissions."""
    from adapters.cli_support import fail, load_settings
    from adapters.discord.invite import application_id_from_token, invite_url

    if client_id is None:
        token = load_settings().discord_token
        client_id = application_id_from_token(token.get_secret_value()) if token else None
        if client_id is None:
            raise fail("set DISCORD_TOKEN or give the application id; for example "
                        "studybot discord invite-url --client-id 123456789012345678")
    if not client_id.isdigit():
        raise fail(f"{client_id!r} is not an application id (digits); for example --client-id 123456789012345678")
    typer.echo(invite_url(client_id))
