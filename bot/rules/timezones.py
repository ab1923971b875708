"""IANA timezone names: validation and suggestions for near misses ("Berlin" -> "Europe/Berlin")."""

from __future__ import annotations

import difflib
import functools
import zoneinfo


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")


def is_timezone(name: str) -> bool:
    return name in _zones()


def canonical_timezone(name: str) -> str | None:
    """The zone name with its canonical capitalisation, or None if unknown ("europe/berlin" -> "Europe/Berlin")."""
    if name in _zones():
        return name
    folded = name.casefold()
    for zone in _zones():
        if zone.casefold() == folded:
            return zone
    return None


def suggest_timezones(name: str, limit: int = 3) -> list[str]:
    """Likely zones for a mistyped or partial name: a city match first, then close spellings."""
    key = name.strip().replace(" ", "_").casefold()
    if not key:
        return []
    by_city = sorted(z for z in _zones() if z.rsplit("/", 1)[-1].casefold() == key)
    if by_city:
        return by_city[:limit]
    folded = {z.casefold(): z for z in _zones()}
    cities = {z.rsplit("/", 1)[-1].casefold(): z for z in _zones()}
    close = difflib.get_close_matches(key, list(cities), n=limit, cutoff=0.75)
    found = [cities[c] for c in close]
    for c in difflib.get_close_matches(key, list(folded), n=limit, cutoff=0.75):
        if folded[c] not in found:
            found.append(folded[c])
    return found[:limit]


def matching_timezones(prefix: str, limit: int = 25) -> list[str]:
    """Zones containing ``prefix`` (case-insensitive): for autocomplete."""
    key = prefix.casefold()
    return sorted(z for z in _zones() if key in z.casefold())[:limit]
