"""The OAuth2 URL that adds the bot to a server, with the least permissions it needs."""

from __future__ import annotations

import base64
import binascii

import discord

SCOPES = ("bot", "applications.commands")


def permissions() -> discord.Permissions:
    """Every permission a call of the bot needs, and no other:

    - View Channels, Send Messages, Embed Links: the daily question and every public answer are embeds;
    - Attach Files: ``/stats`` answers with a PNG, uploaded as a file once the answer was deferred;
    - Read Message History: before posting a daily question again after a crash, the bot looks for it among the
      channel's recent messages (without it Discord lists none, and the question could go out twice);
    - Create Public Threads, Send Messages in Threads: answers for members whose DMs are closed go in the
      question's thread, and the end-of-day reveal too.
    """
    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        embed_links=True,
        attach_files=True,
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
