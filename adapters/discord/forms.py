"""A core ``Form`` as a Discord modal: one paragraph input; its submission goes back to the core through the bridge."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from adapters.discord.render import shorten
from adapters.discord.translate import Route
from bot.messages import Form

if TYPE_CHECKING:
    from adapters.discord.bridge import Bridge

TITLE_LIMIT, LABEL_LIMIT, PLACEHOLDER_LIMIT, INPUT_LIMIT, CUSTOM_ID_LIMIT = 45, 45, 100, 4000, 100


class FormModal(discord.ui.Modal):
    def __init__(self, bridge: Bridge, form: Form, route: Route | None):
        super().__init__(title=shorten(form.title, TITLE_LIMIT), custom_id=form.action[:CUSTOM_ID_LIMIT], timeout=900)
        self.bridge, self.form, self.route = bridge, form, route
        self.text: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=shorten(form.label, LABEL_LIMIT),
            style=discord.TextStyle.paragraph,
            placeholder=shorten(form.placeholder, PLACEHOLDER_LIMIT),
            max_length=min(form.max_length, INPUT_LIMIT),
            required=True,
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await self.bridge.form_submitted(interaction, self.form.action, self.text.value or "", self.route)

    async def on_error(  # type: ignore[override]  # a Modal's hook has no item: discord.py calls it so
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await self.bridge.failed(interaction, error)
