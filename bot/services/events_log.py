"""Deduplication of inbound deliveries: an event id is processed at most once, across replicas and restarts."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.storage.db import insert_ignore
from bot.storage.models import ProcessedEvent


def first_delivery(session: Session, platform: str, tenant_key: str, event_id: str | None, now: datetime) -> bool:
    """Record ``event_id``; False when it was recorded before (a retry or a duplicate dispatch).

    Call it inside the transaction that applies the event's effects, so a failed attempt leaves no record
    and its retry is processed.
    """
    if not event_id:
        return True
    return insert_ignore(
        session, ProcessedEvent, platform=platform, tenant_key=tenant_key, event_id=event_id[:128], created_at=now
    )
