"""The discord.py client: default intents (no privileged one), the command tree from the registry, the persistent
button, reactions, command sync at start, and logging of what happens on the connection.

``DISCORD_SHARDS`` picks ``AutoShardedClient`` (``auto`` or a shard count) instead of ``Client``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands

from adapters.discord.bridge import DEFER_AFTER, Bridge
from adapters.discord.buttons import CoreButton
from adapters.discord.errors import describe
from adapters.discord.tree import CoreTranslator, build_tree
from adapters.supervise import Link
from bot.bootstrap import App
from bot.settings import Settings

log = logging.getLogger(__name__)

#: A rate limit longer than this fails the call (the core sees a PlatformError) instead of blocking a handler.
MAX_RATELIMIT_WAIT = 30.0


class _Studybot:
    """What studybot adds to discord.py's client classes. Mixed into both ``Client`` and ``AutoShardedClient``."""

    studybot_bridge: Bridge
    tree: app_commands.CommandTree[Any]

    def __init__(
        self,
        app: App,
        *,
        guild_ids: list[int],
        defer_after: float = DEFER_AFTER,
        fetch_shard_count: bool = False,
        sync: bool = True,
        **options: Any,
    ):
        options.setdefault("intents", discord.Intents.default())
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        options.setdefault("max_ratelimit_timeout", MAX_RATELIMIT_WAIT)
        super().__init__(**options)
        client: discord.Client = self  # type: ignore[assignment]
        self.studybot_bridge = Bridge(app, client, defer_after=defer_after)
        bridge = self.studybot_bridge
        self.tree = build_tree(client, app.core.registry, bridge.command, bridge.complete)
        self.tree.error(self._on_command_error)
        self.sync_guild_ids = guild_ids
        self._fetch_shard_count = fetch_shard_count
        self._sync = sync
        self.studybot_ready = asyncio.Event()  # set at the first READY: the client is connected and in its guilds
        self.studybot_link = Link("discord")  # connected from READY (or RESUMED) until a disconnect

    async def setup_hook(self) -> None:
        client: Any = self
        client.add_dynamic_items(CoreButton)
        if self._fetch_shard_count and client.shard_count is None:
            # AutoShardedClient would take the gateway URL from /gateway/bot too, bypassing DISCORD_GATEWAY_URL.
            client.shard_count, _url, _limits = await client.http.get_bot_gateway()
        await self.tree.set_translator(CoreTranslator())
        if self._sync:
            self._sync = False  # once per process, not at every reconnect
            await sync_commands(self.tree, self.sync_guild_ids)

    async def on_ready(self) -> None:
        client: Any = self
        log.info("connected to Discord as %s in %d server(s)", client.user, len(client.guilds),
                 extra={"shards": client.shard_count})
        self.studybot_link.up()
        self.studybot_ready.set()

    async def on_resumed(self) -> None:
        self.studybot_link.up()
        log.info("Discord session resumed")

    async def on_disconnect(self) -> None:
        self.studybot_link.down("disconnected")

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self.studybot_bridge.reaction(payload)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        context: dict[str, object] = {"event": event_method}
        payload = args[0] if args else None
        for name in ("guild_id", "channel_id", "message_id", "user_id"):
            if hasattr(payload, name):
                context[name] = getattr(payload, name)
        log.exception("Discord event handler failed (%s)", describe(context), extra=context)

    async def _on_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        await self.studybot_bridge.failed(interaction, cause)


class StudybotClient(_Studybot, discord.Client):
    pass


class ShardedStudybotClient(_Studybot, discord.AutoShardedClient):
    pass


async def sync_commands(tree: app_commands.CommandTree[Any], guild_ids: list[int]) -> None:
    """Global commands by default; with guild ids, those guilds only (they update at once: for development)."""
    targets: list[discord.Object | None] = [discord.Object(id=g) for g in guild_ids] or [None]
    for guild in targets:
        try:
            if guild is not None:
                tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
        except (discord.HTTPException, app_commands.AppCommandError):
            log.exception("command sync failed (%s)", f"guild {guild.id}" if guild else "global")
            continue
        log.info("%d commands synced %s", len(synced), f"to guild {guild.id}" if guild else "globally")


def build_client(app: App, settings: Settings, **options: Any) -> discord.Client:
    """The client for ``settings``; ``options`` go to discord.py (tests pass ``guild_ready_timeout``)."""
    shards = settings.discord_shards
    if shards and shards != "auto":
        options.setdefault("shard_count", int(shards))
    cls = ShardedStudybotClient if shards else StudybotClient
    # The bot never joins voice channels: without this, discord.py warns at every start that PyNaCl and davey
    # (voice libraries) are missing.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    pinned = settings.discord_gateway_url.rstrip("/") != Settings.model_fields["discord_gateway_url"].default
    options.setdefault("fetch_shard_count", bool(shards) and pinned)
    return cls(app, guild_ids=settings.guild_ids(), **options)
