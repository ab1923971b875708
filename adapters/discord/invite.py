"""The OAuth2 URL that adds the bot to a server, with the least permissions it needs."""

from __future__ import annotations

import base64
import binascii

import discord

SCOPES = ("bot", "applications.commands")


def permissions() -> discord.Permissions:
    """Post the daily question (view, send, embeds) and, for members whose DMs are closed, answer in the
    question's thread (create it, send in it, and read the message it starts from)."""
    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        embed_links=True,
        read_message_history=True,
        create_public_threads=True,
        send_messages_in_threads=True,
    )


def application_id_from_token(token: str) -> str | None:
    """A bot token starts with its bot user's id in base64; a bot's user id is its application's id."""
    head = token.split(".", 1)[0].replace("-", "+").replace("_", "/")
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.isdigit() else None


def invite_url(application_id: str) -> str:
    return discord.utils.oauth_url(application_id, permissions=permissions(), scopes=SCOPES)
