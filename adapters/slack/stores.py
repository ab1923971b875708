"""slack_sdk's SQLAlchemy installation and OAuth state stores, on the bot's own database, for Bolt's AsyncApp.

The stores are synchronous (they share the bot's engine and its SQLite settings); these wrappers run them in a
worker thread so the event loop never blocks on them.
"""

from __future__ import annotations

import asyncio
from logging import Logger
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, desc

STATE_EXPIRATION_SECONDS = 600


class ThreadedInstallationStore(AsyncInstallationStore):
    def __init__(self, store: SQLAlchemyInstallationStore):
        self.store = store

    @property
    def logger(self) -> Logger:
        return self.store.logger

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.store.save_bot, bot)

    async def async_find_bot(self, **kwargs: Any) -> Bot | None:
        return await asyncio.to_thread(lambda: self.store.find_bot(**kwargs))

    async def async_find_bot_of_team(self, team_id: str) -> Bot | None:
        """The latest bot of a workspace whatever its organisation (the scheduler knows only the team id)."""

        def find() -> Bot | None:
            c = self.store.bots.c
            query = (
                self.store.bots.select()
                .where(c.client_id == self.store.client_id, c.team_id == team_id, c.bot_token.is_not(None))
                .order_by(desc(c.installed_at))
                .limit(1)
            )
            with self.store.engine.connect() as conn:
                row = conn.execute(query).mappings().first()
            return self.store.build_bot_entity(row) if row is not None else None

        return await asyncio.to_thread(find)

    async def async_find_installation(self, **kwargs: Any) -> Installation | None:
        return await asyncio.to_thread(lambda: self.store.find_installation(**kwargs))

    async def async_delete_bot(self, **kwargs: Any) -> None:
        await asyncio.to_thread(lambda: self.store.delete_bot(**kwargs))

    async def async_delete_installation(self, **kwargs: Any) -> None:
        await asyncio.to_thread(lambda: self.store.delete_installation(**kwargs))

    async def async_delete_all(self, **kwargs: Any) -> None:
        await asyncio.to_thread(lambda: self.store.delete_all(**kwargs))


class ThreadedStateStore(AsyncOAuthStateStore):
    def __init__(self, store: SQLAlchemyOAuthStateStore):
        self.store = store

    @property
    def logger(self) -> Logger:
        return self.store.logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.store.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.store.consume, state)


def build_stores(client_id: str, engine: Engine) -> tuple[ThreadedInstallationStore, ThreadedStateStore]:
    """The stores, with their tables created if missing (slack_sdk owns these tables' shape)."""
    installations = SQLAlchemyInstallationStore(client_id=client_id, engine=engine)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine)
    installations.create_tables()
    states.create_tables()
    return ThreadedInstallationStore(installations), ThreadedStateStore(states)
