"""The core's dependencies in one object: below the command handlers and the posting code, which both use it."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.content.loader import Catalog
from bot.metrics import Metrics
from bot.services.directory import ChannelDefaults
from bot.storage.db import Database


@dataclass
class Services:
    """The core's dependencies, built once by bootstrap and shared by every handler."""

    db: Database
    catalog: Catalog
    clock: Clock
    defaults: ChannelDefaults
    seed: str
    rng: random.Random = field(default_factory=random.Random)
    schedule_listeners: list[Callable[[int], None]] = field(default_factory=list)
    metrics: Metrics = field(default_factory=Metrics)

    def schedule_changed(self, channel_id: int) -> None:
        """Tell whoever keeps timetables (the scheduler) that a channel's schedule changed."""
        for listener in self.schedule_listeners:
            try:
                listener(channel_id)
            except Exception:
                logging.getLogger(__name__).exception("schedule listener failed", extra={"channel": channel_id})
