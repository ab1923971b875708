"""IANA timezone names: validation, and the right zone for what people type instead.

People type cities ("Sao Paulo", "São Paulo", "New York", "Berlim"), abbreviations ("CET", "PST", "BRT") and UTC
offsets ("UTC+3"). None of these is a zone name, so none is accepted silently; each gets the IANA zone(s) it
most likely means as a suggestion, and offsets an explanation (see ``parse_utc_offset``).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

#: Abbreviations people use for their zone, with the zones they most likely mean (ambiguous ones list several).
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "utc": ("UTC",), "z": ("UTC",), "zulu": ("UTC",), "gmt": ("UTC", "Europe/London"),
    "bst": ("Europe/London",), "wet": ("Europe/Lisbon",), "west": ("Europe/Lisbon",),
    "cet": ("Europe/Paris", "Europe/Berlin", "Europe/Madrid"),
    "cest": ("Europe/Paris", "Europe/Berlin", "Europe/Madrid"),
    "met": ("Europe/Paris", "Europe/Berlin"), "eet": ("Europe/Athens", "Europe/Helsinki", "Europe/Kyiv"),
    "eest": ("Europe/Athens", "Europe/Helsinki", "Europe/Kyiv"), "msk": ("Europe/Moscow",),
    "et": ("America/New_York",), "est": ("America/New_York",), "edt": ("America/New_York",),
    "ct": ("America/Chicago",), "cst": ("America/Chicago", "Asia/Shanghai"), "cdt": ("America/Chicago",),
    "mt": ("America/Denver",), "mst": ("America/Denver", "America/Phoenix"), "mdt": ("America/Denver",),
    "pt": ("America/Los_Angeles",), "pst": ("America/Los_Angeles",), "pdt": ("America/Los_Angeles",),
    "akst": ("America/Anchorage",), "hst": ("Pacific/Honolulu",), "ast": ("America/Halifax",),
    "nst": ("America/St_Johns",), "brt": ("America/Sao_Paulo",), "brst": ("America/Sao_Paulo",),
    "art": ("America/Argentina/Buenos_Aires",), "clt": ("America/Santiago",), "cot": ("America/Bogota",),
    "pet": ("America/Lima",), "ist": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    "pkt": ("Asia/Karachi",), "ict": ("Asia/Bangkok",), "wib": ("Asia/Jakarta",), "sgt": ("Asia/Singapore",),
    "hkt": ("Asia/Hong_Kong",), "pht": ("Asia/Manila",), "jst": ("Asia/Tokyo",), "kst": ("Asia/Seoul",),
    "awst": ("Australia/Perth",), "acst": ("Australia/Adelaide", "Australia/Darwin"),
    "aest": ("Australia/Sydney", "Australia/Brisbane"), "aedt": ("Australia/Sydney",),
    "nzst": ("Pacific/Auckland",), "nzdt": ("Pacific/Auckland",), "wat": ("Africa/Lagos",),
    "cat": ("Africa/Maputo",), "sast": ("Africa/Johannesburg",), "eat": ("Africa/Nairobi",),
}

#: Places without a zone of their own, in English and Portuguese (folded: no accents, "_" for spaces).
PLACES: dict[str, str] = {
    "brasilia": "America/Sao_Paulo", "horario_de_brasilia": "America/Sao_Paulo", "brasil": "America/Sao_Paulo",
    "brazil": "America/Sao_Paulo", "rio": "America/Sao_Paulo", "rio_de_janeiro": "America/Sao_Paulo",
    "belo_horizonte": "America/Sao_Paulo", "curitiba": "America/Sao_Paulo", "porto_alegre": "America/Sao_Paulo",
    "florianopolis": "America/Sao_Paulo", "campinas": "America/Sao_Paulo", "salvador": "America/Bahia",
    "nova_york": "America/New_York", "nova_iorque": "America/New_York", "washington": "America/New_York",
    "boston": "America/New_York", "miami": "America/New_York", "atlanta": "America/New_York",
    "san_francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles", "california": "America/Los_Angeles",
    "austin": "America/Chicago", "dallas": "America/Chicago", "houston": "America/Chicago",
    "londres": "Europe/London", "lisboa": "Europe/Lisbon", "porto": "Europe/Lisbon", "berlim": "Europe/Berlin",
    "munich": "Europe/Berlin", "munique": "Europe/Berlin", "frankfurt": "Europe/Berlin", "hamburg": "Europe/Berlin",
    "barcelona": "Europe/Madrid", "milan": "Europe/Rome", "milao": "Europe/Rome", "roma": "Europe/Rome",
    "bruxelas": "Europe/Brussels", "genebra": "Europe/Zurich", "geneva": "Europe/Zurich",
    "toquio": "Asia/Tokyo", "pequim": "Asia/Shanghai", "beijing": "Asia/Shanghai", "xangai": "Asia/Shanghai",
    "mumbai": "Asia/Kolkata", "bombaim": "Asia/Kolkata", "delhi": "Asia/Kolkata", "new_delhi": "Asia/Kolkata",
    "nova_delhi": "Asia/Kolkata", "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata",
    "cidade_do_mexico": "America/Mexico_City", "buenos_aires": "America/Argentina/Buenos_Aires",
    "kiev": "Europe/Kyiv", "kyiv": "Europe/Kyiv", "moscou": "Europe/Moscow", "luanda": "Africa/Luanda",
    "maputo": "Africa/Maputo", "cidade_do_cabo": "Africa/Johannesburg", "cape_town": "Africa/Johannesburg",
}

#: Well-known zones offered for a UTC offset, checked against their standard (winter) offset.
WELL_KNOWN = (
    "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Phoenix",
    "America/Chicago", "America/Mexico_City", "America/New_York", "America/Bogota", "America/Lima",
    "America/Halifax", "America/Santiago", "America/St_Johns", "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires", "America/Noronha", "Atlantic/Azores", "Atlantic/Cape_Verde",
    "Europe/London", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Africa/Lagos", "Europe/Athens",
    "Africa/Johannesburg", "Africa/Cairo", "Europe/Istanbul", "Europe/Moscow", "Asia/Riyadh", "Africa/Nairobi",
    "Asia/Tehran", "Asia/Dubai", "Asia/Kabul", "Asia/Karachi", "Asia/Tashkent", "Asia/Kolkata", "Asia/Colombo",
    "Asia/Kathmandu", "Asia/Dhaka", "Asia/Yangon", "Asia/Bangkok", "Asia/Jakarta", "Asia/Shanghai",
    "Asia/Singapore", "Australia/Perth", "Asia/Tokyo", "Asia/Seoul", "Australia/Darwin", "Australia/Adelaide",
    "Australia/Brisbane", "Australia/Sydney", "Pacific/Noumea", "Pacific/Auckland", "Pacific/Fiji",
    "Pacific/Tongatapu", "Pacific/Kiritimati",
)

_OFFSET = re.compile(r"^(?:utc|gmt|z)?\s*([+-])\s*(\d{1,2})(?:(?::|h)?(\d{2}))?$")


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")


def fold(text: str) -> str:
    """Comparable form of a typed place: no accents, lower case, ``_`` for spaces and dashes."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[\s\-]+", "_", plain.strip()).casefold()


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


@dataclass(frozen=True)
class UtcOffset:
    """A typed UTC offset such as ``UTC+3`` or ``-03:00``."""

    minutes: int  # east of UTC, e.g. +180 for UTC+3

    @property
    def label(self) -> str:
        sign = "+" if self.minutes >= 0 else "-"
        hours, minutes = divmod(abs(self.minutes), 60)
        return f"{sign}{hours}" + (f":{minutes:02d}" if minutes else "")

    @property
    def etc_zone(self) -> str | None:
        """The fixed-offset IANA zone, if any. Etc names count west of UTC: UTC+3 is ``Etc/GMT-3``."""
        hours, minutes = divmod(abs(self.minutes), 60)
        if minutes or self.minutes == 0:
            return "UTC" if self.minutes == 0 else None
        zone = f"Etc/GMT{'-' if self.minutes > 0 else '+'}{hours}"
        return zone if zone in _zones() else None

    def places(self, limit: int = 3) -> list[str]:
        """Well-known zones whose standard offset is this one."""
        return [z for z in WELL_KNOWN if _standard_offset(z) == self.minutes][:limit]


@functools.cache
def _standard_offset(zone: str) -> int:
    tz = zoneinfo.ZoneInfo(zone)
    offsets = [datetime(2026, month, 15, 12, tzinfo=tz).utcoffset() for month in (1, 7)]
    return min(int(o.total_seconds()) // 60 for o in offsets if o is not None)


def parse_utc_offset(text: str) -> UtcOffset | None:
    """``UTC+3``, ``GMT-5``, ``+05:30``, ``UTC−3`` -> UtcOffset; anything else None."""
    match = _OFFSET.match(text.strip().casefold().replace("−", "-").replace(" ", ""))
    if not match:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes >= 60:
        return None
    total = hours * 60 + minutes
    return UtcOffset(total if sign == "+" else -total)


def suggest_timezones(name: str, limit: int = 3) -> list[str]:
    """Likely zones for a place, an abbreviation, a partial or mistyped name: known abbreviations and places
    first, then cities (accents and spaces ignored), then close spellings."""
    key = fold(name)
    if not key:
        return []
    if key in ABBREVIATIONS:
        return list(ABBREVIATIONS[key])[:limit]
    if key in PLACES:
        return [PLACES[key]]
    by_city = sorted(z for z in _zones() if fold(z.rsplit("/", 1)[-1]) == key)
    if by_city:
        return by_city[:limit]
    cities = {fold(z.rsplit("/", 1)[-1]): z for z in _zones()}
    candidates = {**cities, **{p: PLACES[p] for p in PLACES}}
    found: list[str] = []
    for close in difflib.get_close_matches(key, list(candidates), n=limit, cutoff=0.75):
        if candidates[close] not in found:
            found.append(candidates[close])
    folded = {z.casefold(): z for z in _zones()}
    for close in difflib.get_close_matches(name.strip().replace(" ", "_").casefold(), list(folded), n=limit,
                                           cutoff=0.75):
        if folded[close] not in found:
            found.append(folded[close])
    return found[:limit]


def matching_timezones(prefix: str, limit: int = 25) -> list[str]:
    """Zones containing ``prefix`` (case-insensitive): for autocomplete."""
    key = prefix.casefold()
    return sorted(z for z in _zones() if key in z.casefold())[:limit]
