"""Autocomplete values for typed command parameters (Discord offers them while a member types), one small
function per parameter kind."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from bot.content.loader import Deck
from bot.events import Origin
from bot.rules.timezones import matching_timezones
from bot.services import teams
from bot.services.container import Services
from bot.services.directory import find_channel, find_tenant

AUTOCOMPLETE_LIMIT = 25

Completer = Callable[[Services, Origin, str], list[str]]


def _timezones(services: Services, origin: Origin, key: str) -> list[str]:
    return matching_timezones(key, AUTOCOMPLETE_LIMIT)


def _decks(services: Services, origin: Origin, key: str) -> list[str]:
    return [d for d in sorted(services.catalog.decks) if key in d][:AUTOCOMPLETE_LIMIT]


def _teams(services: Services, origin: Origin, key: str) -> list[str]:
    with services.db.transaction() as session:
        tenant = find_tenant(session, origin.platform, origin.tenant_id)
        if tenant is None or tenant.id is None:
            return []
        names = [team.name for team, _ in teams.list_teams(session, tenant.id)]
    return [n for n in names if key in n.casefold()][:AUTOCOMPLETE_LIMIT]


def _categories(services: Services, origin: Origin, key: str) -> list[str]:
    """Categories of the channel's deck (the default deck where the channel is not known yet)."""
    with services.db.transaction() as session:
        deck = _channel_deck(services, session, origin)
    return [c for c in sorted(deck.info.categories) if key in c][:AUTOCOMPLETE_LIMIT] if deck else []


def _channel_deck(services: Services, session: Session, origin: Origin) -> Deck | None:
    tenant = find_tenant(session, origin.platform, origin.tenant_id)
    channel = find_channel(session, tenant.id, origin.channel_id) if tenant and tenant.id is not None else None
    return services.catalog.get(channel.deck_id if channel else services.defaults.deck_id)


COMPLETERS: dict[str, Completer] = {
    "timezone": _timezones,
    "deck": _decks,
    "team": _teams,
    "category": _categories,
}


def autocomplete(services: Services, origin: Origin, kind: str, prefix: str) -> list[str]:
    """Values starting with or containing ``prefix`` for a parameter kind: ``category`` (of the channel's deck),
    ``team`` (of the tenant), ``timezone``, ``deck``. Unknown kinds get nothing."""
    completer = COMPLETERS.get(kind)
    return completer(services, origin, prefix.strip().casefold()) if completer else []
