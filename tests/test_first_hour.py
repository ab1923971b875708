"""What a new user meets in the first hour: timezones as typed, words in both languages, privacy of personal
replies, the settings file and the CSV import."""

from __future__ import annotations

import pytest

from bot.rules.timezones import parse_utc_offset, suggest_timezones
from tests.conftest import Harness


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Sao Paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("sao-paulo", "America/Sao_Paulo"),
        ("New York", "America/New_York"),
        ("Nova York", "America/New_York"),
        ("Brasília", "America/Sao_Paulo"),
        ("CET", "Europe/Paris"),
        ("PST", "America/Los_Angeles"),
        ("EST", "America/New_York"),
        ("BRT", "America/Sao_Paulo"),
        ("IST", "Asia/Kolkata"),
        ("Berlim", "Europe/Berlin"),
    ],
)
def test_places_and_abbreviations_suggest_their_zone(typed: str, zone: str) -> None:
    suggestions = suggest_timezones(typed)
    assert suggestions[0] == zone, suggestions
    assert "Africa/Ceuta" not in suggestions and "US/Samoa" not in suggestions


def test_utc_offsets_are_understood_with_the_etc_sign_reversed() -> None:
    plus3 = parse_utc_offset("UTC+3")
    assert plus3 is not None and plus3.minutes == 180 and plus3.etc_zone == "Etc/GMT-3"
    assert "Europe/Moscow" in plus3.places()
    minus3 = parse_utc_offset("GMT−03:00")
    assert minus3 is not None and minus3.etc_zone == "Etc/GMT+3" and "America/Sao_Paulo" in minus3.places()
    india = parse_utc_offset("+05:30")
    assert india is not None and india.etc_zone is None and india.places()[0] == "Asia/Kolkata"
    assert parse_utc_offset("UTC+15") is None and parse_utc_offset("Europe/Berlin") is None


async def test_schedule_with_typed_places_offsets_and_abbreviations(harness: Harness) -> None:
    out = await harness.run("/studybot schedule 09:00 Sao Paulo")
    assert "Did you mean `America/Sao_Paulo`?" in out and "US/Samoa" not in out
    out = await harness.run("/studybot schedule 09:00 New York mon-fri")
    assert "`New York` is not an IANA timezone" in out and "Did you mean `America/New_York`?" in out
    out = await harness.run("/studybot schedule 09:00 CET")
    assert "`Europe/Paris`" in out and "Ceuta" not in out
    out = await harness.run("/studybot schedule 09:00 UTC+3")
    assert "`Etc/GMT-3`" in out and "summer time" in out and "`Europe/Moscow`" in out
    await harness.run("/studybot language pt")
    out = await harness.run("/studybot schedule 09:00 UTC-3")
    assert "`Etc/GMT+3`" in out and "horário de verão" in out and "`America/Sao_Paulo`" in out
    out = await harness.run("/studybot schedule 09:00 São Paulo")
    assert "Você quis dizer `America/Sao_Paulo`?" in out
    status = await harness.run("/studybot status")
    assert "America/Sao_Paulo" not in status  # nothing was changed by the refused inputs
    out = await harness.run("/studybot remind on 08:00 New York")
    assert "`America/New_York`" in out
