"""``app_uninstalled`` and ``tokens_revoked``: forget the workspace's tokens and stop posting there.

In OAuth mode Bolt's own token revocation listeners delete the installation and bot rows (slack_sdk's store), so
no later request uses a revoked token. In both modes the workspace's channels are switched off, so the scheduler
stops posting there; its members' history is kept until an admin purges it (``studybot slack purge``).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from adapters.slack.translate import PLATFORM
from adapters.worker import CoreWorkers
from bot.bootstrap import App
from bot.services.removal import switch_off_tenant

log = logging.getLogger(__name__)


def register_removal_listeners(bolt: AsyncApp, bot_app: App, workers: CoreWorkers) -> None:
    oauth = bolt.installation_store is not None

    def switch_off(team_id: str | None, why: str) -> None:
        if not team_id:
            return

        async def work() -> None:
            channels = switch_off_tenant(bot_app.services, PLATFORM, team_id)
            log.info(
                "slack workspace removed the app: its channels are switched off, its data kept",
                extra={"tenant": team_id, "event": why, "channels": len(channels)},
            )

        workers.submit(work())

    @bolt.event("app_uninstalled")
    async def on_app_uninstalled(context: AsyncBoltContext) -> None:
        if oauth:
            await bolt.default_app_uninstalled_event_listener()(context=context)
        switch_off(context.team_id, "app_uninstalled")

    @bolt.event("tokens_revoked")
    async def on_tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if oauth:
            await bolt.default_tokens_revoked_event_listener()(event=event, context=context)
        if (event.get("tokens") or {}).get("bot"):  # user tokens alone: the bot still works
            switch_off(context.team_id, "tokens_revoked")
