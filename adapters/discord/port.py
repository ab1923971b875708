"""DiscordPort: the core's ChatPort over Discord's REST API.

- ``post``: a channel message (or one in the thread of a message), returning the first message's id.
- ``reply``: to an interaction, ephemeral when private (see ``responses``); to a reaction, privately by DM, or,
  when the member's DMs are closed, in the post's thread, mentioning them, with the answer under a spoiler.
- ``edit``: the message a button was on.
- ``upload``: a public answer showing an attached picture; ``send_direct``: a DM (reminders).
- ``find_post``: a keyed post (the daily question) among the channel's recent messages.
Every Discord failure becomes a ``PlatformError``, permanent for 401/403/404: the core never retries those.

Exactly once for keyed posts: each message of a keyed post is created with a nonce derived from the key and
``enforce_nonce``, so Discord answers a repeat within a few minutes with the message it already created; beyond
that, the core asks ``find_post`` before posting again, which reads the channel's recent messages for the key's
marker, carried in the post's button ids.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import discord

from adapters.discord.buttons import make_view
from adapters.discord.errors import DM_CLOSED, THREAD_EXISTS, describe, platform_error, platform_errors
from adapters.discord.render import Part, render, thread_name
from adapters.discord.responses import NO_MENTIONS, InteractionReplies, attach
from adapters.discord.translate import PLATFORM, Route, custom_id_marker
from bot.events import Origin
from bot.messages import Message
from bot.ports import Capabilities, ChannelRef, PlatformError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReactionReplies:
    """The reply handle of a reaction's Origin: the reacted message and who reacted."""

    guild_id: int
    channel_id: int
    message_id: int
    user_id: int


NONCE_LIMIT = 25  # characters (Discord API)
_NONCE_SAFE = re.compile(r"[A-Za-z0-9._-]{1,25}")
#: The lookup reads back to a day before the claim it checks, so a clock between the bot and Discord that is
#: off by minutes or hours changes nothing; and at most this many messages (then the outcome is unknown).
LOOKUP_MARGIN = timedelta(days=1)
LOOKUP_LIMIT = 500


def nonce(key: str, index: int = 0) -> str:
    """The nonce of message ``index`` of the post ``key``: the same on every attempt, at most 25 characters."""
    text = key if index == 0 else f"{key}.{index}"
    if _NONCE_SAFE.fullmatch(text):
        return text
    return hashlib.sha256(text.encode()).hexdigest()[:NONCE_LIMIT]


def _snowflake(value: str, what: str) -> int:
    if not value.isdigit():
        raise PlatformError(f"{what} {value!r} is not a Discord id", permanent=True)
    return int(value)


async def send_parts(
    target: discord.abc.Messageable,
    parts: list[Part],
    *,
    route: Route | None = None,
    mention: int | None = None,
    file: tuple[str, bytes, str] | None = None,
    key: str | None = None,
) -> list[str]:
    """Send each part as one message; the first mentions ``mention`` (and pings no one else) and carries ``file``.
    A keyed post's messages carry nonces (Discord returns the existing message for a repeat) and its marker."""
    ids = []
    marker = nonce(key) if key is not None else None
    for index, part in enumerate(parts):
        kwargs: dict[str, Any] = {"embeds": list(part.embeds), "allowed_mentions": NO_MENTIONS}
        if key is not None:
            kwargs["nonce"] = nonce(key, index)  # discord.py sends enforce_nonce with every nonce
        view = make_view(part.buttons, route, marker)
        if view is not None:
            kwargs["view"] = view
        if file is not None and index == 0:
            kwargs["file"] = attach(part, *file)
        if mention is not None and index == 0:
            kwargs["content"] = f"<@{mention}>"
            kwargs["allowed_mentions"] = discord.AllowedMentions(users=[discord.Object(id=mention)])
        sent = await target.send(**kwargs)
        ids.append(str(sent.id))
    return ids


def _carries(message: discord.Message, marker: str) -> bool:
    """Whether one of the message's buttons carries ``marker``."""
    for row in message.components:
        for item in getattr(row, "children", ()):
            if custom_id_marker(getattr(item, "custom_id", None) or "") == marker:
                return True
    return False


class DiscordPort:
    platform = PLATFORM
    capabilities = Capabilities(ephemeral=True, threads=True, spoilers=True, buttons=True, direct_messages=True)

    def __init__(self, client: discord.Client):
        self.client = client

    def _channel(self, channel_id: int, guild_id: int | None) -> discord.abc.Messageable:
        found = self.client.get_channel(channel_id)
        if isinstance(found, discord.abc.Messageable):
            return found
        return self.client.get_partial_messageable(channel_id, guild_id=guild_id)

    async def _thread(self, channel_id: int, message_id: int, guild_id: int | None, name: str) -> Any:
        """The thread started from a message (its id is the message's): the existing one, or a new one."""
        existing = self.client.get_channel(message_id)
        if isinstance(existing, discord.Thread):
            return existing
        parent: Any = self._channel(channel_id, guild_id)
        try:
            return await parent.get_partial_message(message_id).create_thread(name=name)
        except discord.HTTPException as exc:
            if exc.code != THREAD_EXISTS:
                raise
        thread_type = discord.ChannelType.public_thread
        return self.client.get_partial_messageable(message_id, guild_id=guild_id, type=thread_type)

    async def post(
        self, channel: ChannelRef, message: Message, *, thread: str | None = None, key: str | None = None
    ) -> str:
        guild_id = int(channel.tenant_id) if channel.tenant_id.isdigit() else None
        channel_id = _snowflake(channel.channel_id, "channel")
        with platform_errors("post", guild=guild_id, channel=channel_id):
            target: Any = self._channel(channel_id, guild_id)
            if thread is not None:
                target = await self._thread(channel_id, _snowflake(thread, "message"), guild_id, thread_name(message))
            ids = await send_parts(target, render(message), key=key)
        return ids[0]

    async def find_post(self, channel: ChannelRef, key: str, since: datetime) -> str | None:
        """The message of the post ``key`` if it is among the channel's messages since a day before ``since``;
        None when it is not. A failed lookup, or one that cannot reach back that far within ``LOOKUP_LIMIT``
        messages, is a ``PlatformError``: the outcome is unknown, and the caller tries again later."""
        guild_id = int(channel.tenant_id) if channel.tenant_id.isdigit() else None
        channel_id = _snowflake(channel.channel_id, "channel")
        marker = nonce(key)
        horizon = since - LOOKUP_MARGIN
        bot_id = self.client.user.id if self.client.user else None
        read = 0
        with platform_errors("lookup", guild=guild_id, channel=channel_id):
            target: Any = self._channel(channel_id, guild_id)
            async for found in target.history(limit=LOOKUP_LIMIT):
                read += 1
                if found.created_at < horizon:
                    return None
                if (bot_id is None or found.author.id == bot_id) and _carries(found, marker):
                    return str(found.id)
        if read >= LOOKUP_LIMIT:
            raise PlatformError(f"the post was not among the channel's last {LOOKUP_LIMIT} messages: unknown outcome")
        return None

    async def reply(self, origin: Origin, message: Message, *, private: bool) -> None:
        handle = origin.reply_handle
        if isinstance(handle, InteractionReplies):
            await handle.send(message, private=private)
        elif isinstance(handle, ReactionReplies) and private:
            await self._reply_privately(handle, message)
        elif isinstance(handle, ReactionReplies):
            await self.post(ChannelRef(PLATFORM, str(handle.guild_id), str(handle.channel_id)), message)
        else:
            raise PlatformError("this event cannot be answered on Discord", permanent=True)

    async def upload(
        self, origin: Origin, message: Message, filename: str, data: bytes, *, private: bool = False,
        alt_text: str = "",
    ) -> None:
        """Answer with ``message`` showing the attached picture (its description is the alt text); a private one
        is an ephemeral answer to the interaction."""
        handle = origin.reply_handle
        if isinstance(handle, InteractionReplies):
            await handle.send(message, private=private, file=(filename, data, alt_text))
            return
        channel_id = _snowflake(origin.channel_id, "channel")
        with platform_errors("upload", guild=origin.tenant_id, channel=channel_id):
            target = self._channel(channel_id, int(origin.tenant_id) if origin.tenant_id.isdigit() else None)
            await send_parts(target, render(message), file=(filename, data, alt_text))

    async def send_direct(self, tenant_id: str, user_id: str, message: Message) -> None:
        """A direct message to a member (reminders). Closed DMs are a permanent failure: nothing else to try."""
        user = _snowflake(user_id, "user")
        with platform_errors("direct message", guild=tenant_id, user=user):
            dm = await self.client.create_dm(discord.Object(id=user))
            await send_parts(dm, render(message))

    async def edit(self, origin: Origin, message_id: str | None, message: Message) -> None:
        handle = origin.reply_handle
        if isinstance(handle, InteractionReplies):
            await handle.edit(message)
        else:  # only a button press can edit; anything else gets the message anew
            await self.reply(origin, message, private=True)

    async def _reply_privately(self, handle: ReactionReplies, message: Message) -> None:
        context = {"guild": handle.guild_id, "channel": handle.channel_id, "user": handle.user_id}
        route = Route(str(handle.guild_id), str(handle.channel_id))
        try:
            dm = await self.client.create_dm(discord.Object(id=handle.user_id))
            await send_parts(dm, render(message), route=route)
            return
        except discord.HTTPException as exc:
            if exc.code != DM_CLOSED:
                log.warning("discord DM failed: %s (%s)", platform_error(exc), describe(context), extra=context)
                raise platform_error(exc) from exc
        except (TimeoutError, discord.RateLimited, aiohttp.ClientError) as exc:
            raise platform_error(exc) from exc
        log.info("DMs closed: answering in the post's thread (%s)", describe(context), extra=context)
        with platform_errors("thread reply", **context):
            thread = await self._thread(handle.channel_id, handle.message_id, handle.guild_id, thread_name(message))
            thread_route = Route(str(handle.guild_id), str(handle.channel_id), thread=True)
            await send_parts(thread, render(message, spoiler=True), route=thread_route, mention=handle.user_id)
