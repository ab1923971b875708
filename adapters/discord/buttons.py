"""The core's buttons as Discord components, and the one persistent item that answers all of them.

Every button's custom id is the core's action (``sb:reveal:12``), plus a route for messages sent outside the
server (see ``translate.Route``). ``CoreButton`` is registered once with ``client.add_dynamic_items``: it matches
every such id, on any message, before and after a restart, so no view needs to be kept in memory.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from adapters.discord.render import BUTTON_LABEL_LIMIT, shorten
from adapters.discord.translate import CUSTOM_ID_PATTERN, Route, custom_id
from bot.messages import Button, Style

log = logging.getLogger(__name__)

STYLES = {
    Style.PRIMARY: discord.ButtonStyle.primary,
    Style.DANGER: discord.ButtonStyle.danger,
    Style.DEFAULT: discord.ButtonStyle.secondary,
}


class CoreButton(discord.ui.DynamicItem[discord.ui.Button], template=CUSTOM_ID_PATTERN):
    """Any button the core rendered. Clicks go to the client's bridge, which hands them to the core.

    discord.py only logs exceptions raised here (a dynamic item's view is rebuilt from the message, so no
    ``View.on_error`` of ours runs): the bridge catches, logs and answers them itself."""

    def __init__(self, button: discord.ui.Button[Any]):
        super().__init__(button)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CoreButton:
        if not isinstance(item, discord.ui.Button):
            raise TypeError(f"a studybot custom id on a {type(item).__name__}, not a button")
        return cls(item)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bridge = getattr(interaction.client, "studybot_bridge", None)
        if bridge is None:
            log.warning("button pressed on a client without a bridge", extra={"custom_id": self.custom_id})
            return
        await bridge.button(interaction, self.custom_id)


def make_button(button: Button, route: Route | None = None, marker: str | None = None) -> CoreButton:
    return CoreButton(
        discord.ui.Button(
            label=shorten(button.label, BUTTON_LABEL_LIMIT) or "·",
            style=STYLES.get(button.style, discord.ButtonStyle.secondary),
            custom_id=custom_id(button.action, route, marker),
        )
    )


def make_view(
    buttons: tuple[Button, ...], route: Route | None = None, marker: str | None = None
) -> discord.ui.View | None:
    """A view of the core's buttons (None without buttons). ``timeout=None``: the buttons never expire here.
    ``marker`` marks a keyed post (see ``translate.custom_id``)."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons:
        view.add_item(make_button(button, route, marker))
    return view
