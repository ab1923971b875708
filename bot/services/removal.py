"""A workspace or server that removed the app: its channels are switched off and its data kept, until an admin
purges it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlmodel import SQLModel, select

from bot.services.directory import find_tenant
from bot.storage.models import Channel, ProcessedEvent, Tenant

if TYPE_CHECKING:
    from bot.services.container import Services

#: The notice the next admin to use a command there sees, if the app is installed again.
UNINSTALLED_NOTICE = "notice.uninstalled"


def switch_off_tenant(services: Services, platform: str, tenant_external_id: str) -> list[int]:
    """Turn every enabled channel of the tenant off (as ``/studybot off`` does) so the scheduler stops posting
    there; nothing is deleted. Returns the ids of the channels switched off (none when the tenant is unknown)."""
    now = services.clock.now()
    with services.db.transaction() as session:
        tenant = find_tenant(session, platform, tenant_external_id)
        if tenant is None:
            return []
        channels = session.exec(
            select(Channel).where(Channel.tenant_id == tenant.id, Channel.enabled == True)  # noqa: E712
        ).all()
        for channel in channels:
            channel.enabled, channel.notice, channel.updated_at = False, UNINSTALLED_NOTICE, now
            session.add(channel)
        ids = [channel.id for channel in channels if channel.id is not None]
    for channel_id in ids:
        services.schedule_changed(channel_id)
    return ids


def purge_tenant(services: Services, platform: str, tenant_external_id: str) -> dict[str, int] | None:
    """Delete everything studybot keeps about one tenant, in one transaction: every row with its ``tenant_id``
    (children before parents), its processed-event ids, then the tenant. Returns rows deleted per table, or None
    when there is no such tenant."""
    with services.db.transaction() as session:
        tenant = find_tenant(session, platform, tenant_external_id)
        if tenant is None or tenant.id is None:
            return None
        channel_ids = list(session.exec(select(Channel.id).where(Channel.tenant_id == tenant.id)).all())
        counts: dict[str, int] = {}
        for table in reversed(SQLModel.metadata.sorted_tables):
            if table.name == Tenant.__tablename__ or "tenant_id" not in table.c:
                continue
            result = session.connection().execute(delete(table).where(table.c.tenant_id == tenant.id))
            counts[table.name] = result.rowcount or 0
        result = session.connection().execute(
            delete(ProcessedEvent).where(
                ProcessedEvent.platform == platform,  # type: ignore[arg-type]
                ProcessedEvent.tenant_key == tenant_external_id,  # type: ignore[arg-type]
            )
        )
        counts[ProcessedEvent.__tablename__] = result.rowcount or 0
        session.delete(tenant)
        counts[Tenant.__tablename__] = 1
    for channel_id in channel_ids:
        if channel_id is not None:
            services.schedule_changed(channel_id)
    return {name: n for name, n in counts.items() if n}
