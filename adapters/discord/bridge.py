"""From Discord to the core: interactions and reactions become core events, handed to ``Core.handle``.

The core sends its replies itself, through the port. The bridge makes sure Discord hears back in time (it
defers an interaction the core has not answered within ``defer_after`` seconds), and that a failure outside the
core is logged with its context and answered with the core's apology instead of a silent "interaction failed".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

import discord

from adapters.discord.errors import describe
from adapters.discord.port import DiscordPort, ReactionReplies
from adapters.discord.responses import InteractionReplies
from adapters.discord.translate import (
    PLATFORM,
    Route,
    command_text,
    is_admin,
    language_of_locale,
    parse_custom_id,
    reaction_event,
)
from bot.autocomplete import autocomplete
from bot.bootstrap import App
from bot.events import ButtonPressed, CommandInvoked, Event, Origin
from bot.i18n import t
from bot.messages import Kind, Message
from bot.ports import PlatformError

log = logging.getLogger(__name__)

DEFER_AFTER = 2.0  # seconds: Discord drops an interaction not answered within 3


def interaction_context(interaction: discord.Interaction[Any]) -> dict[str, object]:
    data: Mapping[str, Any] = interaction.data or {}
    return {
        "interaction": interaction.id,
        "guild": interaction.guild_id,
        "channel": interaction.channel_id,
        "user": interaction.user.id if interaction.user else None,
        "command": data.get("name") or data.get("custom_id"),
    }


class Bridge:
    def __init__(self, app: App, client: discord.Client, *, defer_after: float = DEFER_AFTER):
        self.app = app
        self.client = client
        self.port = DiscordPort(client)
        self.registry = app.core.registry
        self.defer_after = defer_after

    def _origin(self, interaction: discord.Interaction[Any], route: Route | None = None) -> Origin:
        """Who did what where. A thread counts as its channel: the daily question's thread, where answers land
        for members with closed DMs, studies with its channel's deck, schedule and streaks."""
        channel: Any = interaction.channel
        if isinstance(channel, discord.Thread) and channel.parent_id:
            channel_id, channel = str(channel.parent_id), channel.parent
        else:
            channel_id = str(interaction.channel_id or "")
        guild = interaction.guild
        in_place = route is None or str(interaction.guild_id) == route.guild_id
        return Origin(
            platform=PLATFORM,
            tenant_id=route.guild_id if route else str(interaction.guild_id or ""),
            channel_id=route.channel_id if route else channel_id,
            user_id=str(interaction.user.id),
            user_name=interaction.user.display_name,
            channel_name=(getattr(channel, "name", None) or "") if route is None else "",
            tenant_name=(guild.name if guild and guild.name else "") if in_place else "",
            is_admin=interaction.guild_id is not None and is_admin(interaction.permissions.value),
            event_id=str(interaction.id),
            reply_handle=InteractionReplies(interaction, route),
        )

    async def command(self, interaction: discord.Interaction[Any]) -> None:
        """A slash command: its options back into the text the core parses."""
        name, text = command_text(interaction.data or {}, self.registry)
        origin = self._origin(interaction)
        context = interaction_context(interaction)
        log.info("/%s %s (%s)", name, text[:200], describe(context), extra=context)
        await self._handle(CommandInvoked(origin, name, text), origin.reply_handle)

    async def button(self, interaction: discord.Interaction[Any], custom_id: str) -> None:
        try:
            parsed = parse_custom_id(custom_id)
            if parsed is None:
                return
            action, route = parsed
            if route is None and interaction.guild_id is None:
                await self.apologise(interaction, "error.stale_button")
                return
            origin = self._origin(interaction, route)
            message_id = str(interaction.message.id) if interaction.message else None
            await self._handle(ButtonPressed(origin, action, message_id), origin.reply_handle)
        except Exception as exc:  # discord.py only logs what a dynamic item raises: answer the member here
            await self.failed(interaction, exc)

    async def reaction(self, payload: discord.RawReactionActionEvent) -> None:
        bot_id = self.client.user.id if self.client.user else None
        channel = self.client.get_channel(payload.channel_id)
        guild = self.client.get_guild(payload.guild_id) if payload.guild_id else None
        handle = ReactionReplies(payload.guild_id or 0, payload.channel_id, payload.message_id, payload.user_id)
        event = reaction_event(
            payload,
            bot_user_id=bot_id,
            reply_handle=handle,
            channel_name=getattr(channel, "name", None) or "",
            tenant_name=guild.name if guild else "",
        )
        if event is None:
            return
        await self.app.core.handle(event, self.port)

    async def complete(self, interaction: discord.Interaction[Any], kind: str, current: str) -> list[str]:
        """Autocomplete values for a parameter kind, read from the core without writing anything."""
        return autocomplete(self.app.services, self._origin(interaction), kind, current)

    async def _handle(self, event: Event, replies: InteractionReplies) -> None:
        """Run the core; defer the interaction if the core has not answered by ``defer_after``.

        ``defer_after`` 0 defers every interaction at once. A core outcome without replies is a duplicate
        delivery: that interaction was answered the first time."""
        if self.defer_after <= 0:
            with suppress(PlatformError):
                await replies.defer()
        task = asyncio.ensure_future(self.app.core.handle(event, self.port))
        done, _ = await asyncio.wait({task}, timeout=self.defer_after if self.defer_after > 0 else None)
        if not done:
            with suppress(PlatformError):  # logged by the port; the core's reply will still try
                await replies.defer()
        await task

    async def failed(self, interaction: discord.Interaction[Any], error: BaseException) -> None:
        """Log a failure with its context and tell the member, in their language, that nothing happened."""
        context = interaction_context(interaction)
        log.error("interaction failed (%s)", describe(context), exc_info=error, extra=context)
        await self.apologise(interaction, "error.internal")

    async def apologise(self, interaction: discord.Interaction[Any], key: str) -> None:
        text = t(language_of_locale(str(interaction.locale)), key)
        icon = "⚠️" if key == "error.internal" else "❌"
        message = Message(Kind.ERROR, body=f"{icon} {text}")
        with suppress(PlatformError):  # logged; Discord shows "interaction failed" by itself
            await InteractionReplies(interaction).send(message, private=True)
