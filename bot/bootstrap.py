"""The composition root: builds the core from settings. Tests pass their own clock, database URL or decks."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from bot.clock import Clock, SystemClock
from bot.content.loader import Catalog, load_catalog, packaged_content_dir
from bot.core import Core
from bot.services.container import Services
from bot.services.directory import ChannelDefaults
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.migrate import upgrade


class ConfigError(Exception):
    """Settings that cannot work together (e.g. a default deck that does not exist)."""


@dataclass
class App:
    settings: Settings
    services: Services
    core: Core

    @property
    def db(self) -> Database:
        return self.services.db

    def close(self) -> None:
        self.services.db.dispose()


def load_decks(settings: Settings) -> Catalog:
    return load_catalog([packaged_content_dir(), *settings.extra_content_dirs()])


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    catalog: Catalog | None = None,
    rng: random.Random | None = None,
    migrate: bool = True,
) -> App:
    """Everything the bot needs, wired. Upgrades the database schema first (idempotent)."""
    settings = settings or Settings()
    catalog = catalog or load_decks(settings)
    if settings.default_deck not in catalog.decks:
        raise ConfigError(
            f"STUDYBOT_DEFAULT_DECK={settings.default_deck!r} is not a deck; decks: {', '.join(sorted(catalog.decks))}"
        )
    db = Database(settings.database_url)
    if migrate:
        upgrade(db)
    services = Services(
        db=db,
        catalog=catalog,
        clock=clock or SystemClock(),
        defaults=ChannelDefaults(settings.default_deck, settings.default_language, settings.default_timezone),
        seed=settings.selection_seed,
        rng=rng or random.Random(),
    )
    return App(settings=settings, services=services, core=Core(services))


def content_roots(settings: Settings) -> list[Path]:
    return [packaged_content_dir(), *settings.extra_content_dirs()]
