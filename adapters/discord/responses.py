"""Answering one interaction: the first response, a deferral when the core is slow, then follow-ups and edits.

Discord wants an answer within 3 s. The bridge defers only when the core has not answered by then:
a command is deferred as an ephemeral "thinking" placeholder (a private answer replaces it; a public one is
posted in the channel and the placeholder removed, since a placeholder's visibility cannot change); a button
press is deferred silently, and its message edited later.
"""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord.buttons import make_view
from adapters.discord.errors import platform_errors
from adapters.discord.render import Part, render
from adapters.discord.translate import Route
from bot.messages import Message
from bot.ports import PlatformError

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()


def _view_kwargs(part: Part, route: Route | None) -> dict[str, Any]:
    view = make_view(part.buttons, route)
    return {"view": view} if view is not None else {}


def attach(part: Part, filename: str, data: bytes, description: str = "") -> discord.File:
    """A file for ``part``, shown as the image of its last embed (a PNG picture, e.g. a heatmap); ``description``
    is its alt text."""
    part.embeds[-1].set_image(url=f"attachment://{filename}")
    return discord.File(io.BytesIO(data), filename=filename, description=description or None)


@dataclass
class InteractionReplies:
    """The reply handle of an interaction's Origin: what the port needs to answer it."""

    interaction: discord.Interaction[Any]
    route: Route | None = None  # the button's route, for messages outside the server or in a reveal thread
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _placeholder: bool = False  # a deferred command's "thinking" message still waits for its content
    _in_channel: bool = False  # public parts went to the channel (the placeholder could not show them)

    @property
    def is_component(self) -> bool:
        return self.interaction.type == discord.InteractionType.component

    def _context(self) -> dict[str, object]:
        return {"interaction": self.interaction.id, "guild": self.interaction.guild_id,
                "channel": self.interaction.channel_id, "user": self.interaction.user.id}

    async def defer(self) -> None:
        async with self._lock:
            if self.interaction.response.is_done():
                return
            with platform_errors("defer", **self._context()):
                if self.is_component:
                    await self.interaction.response.defer()
                else:
                    await self.interaction.response.defer(ephemeral=True, thinking=True)
                    self._placeholder = True

    async def send(self, message: Message, *, private: bool, file: tuple[str, bytes, str] | None = None) -> None:
        """Answer with ``message`` (and ``file``, attached to its first part)."""
        async with self._lock:
            with platform_errors("reply", **self._context()):
                for index, part in enumerate(render(message)):
                    attached = attach(part, *file) if file is not None and index == 0 else None
                    await self._send(part, private=private, file=attached)

    async def _send(self, part: Part, *, private: bool, file: discord.File | None = None) -> None:
        response = self.interaction.response
        kwargs: dict[str, Any] = {"embeds": list(part.embeds), **_view_kwargs(part, self.route)}
        if file is not None:
            kwargs["file"] = file
        if not response.is_done():
            await response.send_message(ephemeral=private, allowed_mentions=NO_MENTIONS, **kwargs)
        elif self._placeholder and private:
            if file is not None:
                kwargs["attachments"] = [kwargs.pop("file")]
            await self.interaction.edit_original_response(allowed_mentions=NO_MENTIONS, **kwargs)
            self._placeholder = False
        elif self._placeholder or (self._in_channel and not private):
            channel = self.interaction.channel
            if not isinstance(channel, discord.abc.Messageable):
                raise PlatformError("the interaction's channel cannot receive messages", permanent=True)
            await channel.send(allowed_mentions=NO_MENTIONS, **kwargs)
            if self._placeholder:
                await self.interaction.delete_original_response()
            self._placeholder, self._in_channel = False, True
        else:
            await self.interaction.followup.send(ephemeral=private, allowed_mentions=NO_MENTIONS, wait=True, **kwargs)

    async def edit(self, message: Message) -> None:
        """Replace the message the button was on. In a public reveal thread, answer the clicker privately instead:
        the message there belongs to the member it mentions."""
        if not self.is_component or (self.route is not None and self.route.thread):
            await self.send(message, private=True)
            return
        parts = render(message)
        async with self._lock:
            with platform_errors("edit", **self._context()):
                first = parts[0]
                embeds, view = list(first.embeds), make_view(first.buttons, self.route)
                if not self.interaction.response.is_done():
                    await self.interaction.response.edit_message(embeds=embeds, view=view)
                else:
                    await self.interaction.edit_original_response(embeds=embeds, view=view)
                for part in parts[1:]:
                    await self._send(part, private=True)
