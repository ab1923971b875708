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

import aiohttp
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
from bot.events import ButtonPressed, CommandInvoked, Event, FormSubmitted, Origin
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
        """Who did what where, from Discord's interaction. A thread counts as its channel: the daily question's
        thread, where answers land for members with closed DMs, studies with its channel's deck, schedule and
        streaks. Only a press in a DM (no guild) takes its place from ``route``, which ``button`` checked first."""
        channel: Any = interaction.channel
        if isinstance(channel, discord.Thread) and channel.parent_id:
            channel_id, channel = str(channel.parent_id), channel.parent
        else:
            channel_id = str(interaction.channel_id or "")
        guild = interaction.guild
        routed = route is not None and interaction.guild_id is None
        if routed:
            guild = self.client.get_guild(int(route.guild_id))  # type: ignore[union-attr]
        return Origin(
            platform=PLATFORM,
            tenant_id=route.guild_id if routed and route else str(interaction.guild_id or ""),
            channel_id=route.channel_id if routed and route else channel_id,
            user_id=str(interaction.user.id),
            user_name=interaction.user.display_name,
            channel_name="" if routed else getattr(channel, "name", None) or "",
            tenant_name=guild.name if guild and guild.name else "",
            is_admin=interaction.guild_id is not None and is_admin(interaction.permissions.value),
            event_id=str(interaction.id),
            locale=str(interaction.locale),
            reply_handle=InteractionReplies(interaction, route),
        )

    async def _route_holds(self, interaction: discord.Interaction[Any], route: Route | None) -> bool:
        """Whether a button press may act where its button says. In a server the place is the interaction's own,
        so a button carrying another server's route (an old DM button pressed elsewhere, a copied id) is refused.
        In a DM the route is the place: only for a server the bot is still in, a channel of that server, and a
        presser who is still a member of it (asked from Discord: the members intent is off)."""
        if interaction.guild_id is not None:
            return route is None or route.guild_id == str(interaction.guild_id)
        if route is None:
            return False
        guild = self.client.get_guild(int(route.guild_id))
        if guild is None or guild.get_channel(int(route.channel_id)) is None:
            return False
        try:
            await guild.fetch_member(interaction.user.id)
        except discord.NotFound:
            return False
        return True

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
            if not await self._route_holds(interaction, route):
                context = interaction_context(interaction)
                log.info("button refused: not valid here (%s)", describe(context), extra=context)
                await self.apologise(interaction, "error.stale_button")
                return
            origin = self._origin(interaction, route)
            message_id = str(interaction.message.id) if interaction.message else None
            event = ButtonPressed(origin, action, message_id)
            form = await self.app.core.form_for(event)
            if form is not None:  # the button opens a modal; its submission comes back through form_submitted
                from adapters.discord.forms import FormModal

                await interaction.response.send_modal(FormModal(self, form, route))
                return
            await self._handle(event, origin.reply_handle)
        except Exception as exc:  # discord.py only logs what a dynamic item raises: answer the member here
            await self.failed(interaction, exc)

    async def form_submitted(
        self, interaction: discord.Interaction[Any], action: str, text: str, route: Route | None
    ) -> None:
        """A modal opened for a core form was submitted: hand its text to the core."""
        origin = self._origin(interaction, route)
        await self._handle(FormSubmitted(origin, action, text), origin.reply_handle)

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
        """Autocomplete values for a parameter kind, read from the core without writing anything. A failed lookup
        offers no values (discord.py would otherwise leave the request unanswered)."""
        try:
            return autocomplete(self.app.services, self._origin(interaction), kind, current)
        except Exception:
            context = interaction_context(interaction)
            log.exception("autocomplete lookup failed (%s)", describe(context), extra=context)
            return []

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
        """Log a failure with its context and tell the member, in their language, that nothing happened.

        An autocomplete request (for a command this bot no longer has, or whose lookup failed) can only be
        answered with choices: it gets none (type 8), never a message."""
        context = interaction_context(interaction)
        if interaction.type == discord.InteractionType.autocomplete:
            log.warning("autocomplete failed: %s (%s)", type(error).__name__, describe(context), extra=context)
            if not interaction.response.is_done():
                with suppress(discord.HTTPException, TimeoutError, aiohttp.ClientError):
                    await interaction.response.autocomplete([])
            return
        log.error("interaction failed (%s)", describe(context), exc_info=error, extra=context)
        await self.apologise(interaction, "error.internal")

    async def apologise(self, interaction: discord.Interaction[Any], key: str) -> None:
        text = t(language_of_locale(str(interaction.locale)), key)
        icon = "⚠️" if key == "error.internal" else "❌"
        message = Message(Kind.ERROR, body=f"{icon} {text}")
        with suppress(PlatformError):  # logged; Discord shows "interaction failed" by itself
            await InteractionReplies(interaction).send(message, private=True)
