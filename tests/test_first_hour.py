"""What a new user meets in the first hour: timezones as typed, words in both languages, privacy of personal
replies, the settings file and the CSV import."""

from __future__ import annotations

import re
from datetime import timedelta

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


def test_plural_rules_numbers_and_weekday_names_come_from_cldr() -> None:
    from bot.i18n import t
    from bot.i18n.words import number, parse_weekday, weekday_name

    assert t("en", "streak.days", count=1) == "1 question day"
    assert t("en", "streak.days", count=2) == "2 question days"
    assert t("pt-BR", "streak.days", count=1) == "1 dia de pergunta"
    assert t("pt-BR", "streak.days", count=3) == "3 dias de pergunta"
    assert t("en", "words.members", count=1) == "1 member" and t("en", "words.points", count=1200) == "1,200 pts"
    assert t("pt-BR", "words.points", count=1200) == "1.200 pts"
    assert number("en", 3.0) == "3" and number("pt-BR", 16.5) == "16,5" and number("en", 16.5) == "16.5"
    assert weekday_name("en", 4) == "Friday" and weekday_name("pt-BR", 4) == "sexta-feira"
    for typed, index in [("fri", 4), ("Friday", 4), ("sex", 4), ("Sexta-feira", 4), ("sáb", 5), ("sab", 5),
                         ("domingo", 6), ("seg.", 0), ("terça", 1)]:
        assert parse_weekday(typed) == index, typed
    assert parse_weekday("someday") is None and parse_weekday("som") is None


async def test_weekly_day_in_either_language_and_its_name(harness: Harness) -> None:
    out = await harness.run("/studybot weekly fri")
    assert "goes out every Friday" in out and "Fris" not in out
    assert "Weekly leaderboard: Friday" in await harness.run("/studybot status")
    out = await harness.run("/studybot weekly someday")
    assert "`someday` is not a weekday" in out and "`som`" not in out
    await harness.run("/studybot language pt")
    out = await harness.run("/studybot weekly sex")
    assert "(sexta-feira)" in out and "não é" not in out
    assert "Placar semanal: sexta-feira" in await harness.run("/studybot status")
    out = await harness.run("/studybot weekly sábado")
    assert "(sábado)" in out
    out = await harness.run("/studybot schedule 09:00 America/Sao_Paulo seg,qua,sex")
    assert "seg., qua., sex." in out
    assert "não é" not in out
    out = await harness.run("/studybot reveal nada!!")
    assert "como 👀 ou `:eyes:`" in out


async def test_leaderboards_and_insights_read_naturally(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily", "/team create Owls", ":next-day", ":react 👀")
    board = await harness.run("/leaderboard teams all")
    assert "Owls: 1 pt per member (1 member, 1 pt)" in board
    await harness.run(":as bob", "/team join Owls", ":react 👀")
    board = await harness.run("/leaderboard teams all")
    assert "Owls: 1 pt per member (2 members, 2 pts)" in board and ".0 pt" not in board
    out = await harness.run(":as alice", "/studybot insights")
    assert "2 reveals" in out and "no quiz answers yet" in out and "quiz no quiz" not in out
    await harness.run("/studybot language pt")
    board = await harness.run("/leaderboard teams all")
    assert "Owls: 1 pt por membro (2 membros, 2 pts)" in board


def test_long_titles_are_cut_between_words() -> None:
    from bot.commands.learning import shorten_words

    title = "How do you run a model in production when the data it sees drifts away from the training data?"
    short = shorten_words(title, 40)
    assert short == "How do you run a model in production…"
    assert shorten_words("Short title", 40) == "Short title"


async def test_replies_about_one_member_are_private(harness: Harness, tmp_path) -> None:
    harness.port.files_dir = tmp_path
    await harness.run("/studybot schedule 09:00 UTC daily", ":next-day", ":as carol", ":react 👀", ":as alice")
    for line in ("/streak", "/streak @carol", "/stats", "/stats @carol"):
        before = len(harness.port.sent)
        out = await harness.run(line)
        kinds = [kind for kind, _ in harness.port.sent[before:]]
        assert kinds and all(k.startswith("private") for k in kinds), (line, kinds)
        assert "(only you can see this)" in out
    assert "private upload" in kinds and "Heatmap of carol's participation" in out


async def test_status_after_an_early_post_names_the_next_question_day(harness: Harness) -> None:
    # 08:00 in Berlin on Monday 2 March; the schedule says 09:00, but an admin posts right away
    await harness.run("/studybot schedule 09:00 Europe/Berlin mon-fri")
    assert "Next question: Mon 2026-03-02 09:00" in await harness.run("/studybot status")
    await harness.run("/studybot post")
    status = await harness.run("/studybot status")
    assert "Next question: Tue 2026-03-03 09:00" in status
    shown = await harness.run("/studybot schedule")
    assert "Tue 2026-03-03 09:00" in shown and "Wed 2026-03-04 09:00" in shown and "Thu 2026-03-05 09:00" in shown
    assert "Mon 2026-03-02 09:00" not in shown and "Missing" not in shown
    assert "/studybot schedule HH:MM TIMEZONE" in shown


async def test_review_announces_as_many_items_as_it_shows(harness: Harness) -> None:
    from tests.test_learning import answer, current_item

    await harness.run(":as bob", "/quiz 12")
    for _ in range(12):
        current_item(harness)
        await answer(harness, right=False)
    harness.clock.set(harness.clock.now() + timedelta(minutes=3))
    out = await harness.run("/review")
    due = int(re.search(r"(\d+) questions? (?:is|are) due", out).group(1))  # type: ignore[union-attr]
    shown = [m for kind, m in harness.port.sent if m.kind == "quiz"][-1]
    assert shown.context is not None and shown.context.startswith(f"Quiz 1/{due} ")


async def test_stats_heatmap_levels_grow_with_engagement(harness: Harness, tmp_path) -> None:
    import io

    from PIL import Image

    from bot.rules.heatmap import EMPTY, LEVEL_COLORS, cell_box, day_position

    harness.port.files_dir = tmp_path
    await harness.run("/studybot schedule 09:00 UTC daily", ":next-day", ":as bob", ":react 👀")  # a reveal only
    first = harness.clock.now().date()
    await harness.run(":as alice", ":next-day", ":as bob", ":react 👀", ":click 3")  # reveal and self-grade
    second = harness.clock.now().date()
    await harness.run(":as alice", ":next-day", ":as bob", ":react 👀", ":click 3", "/quiz 1", ":click 1")
    third = harness.clock.now().date()
    out = await harness.run("/stats")
    assert "Heatmap of bob's participation" in out and "active on 3 days." in out
    [picture] = tmp_path.glob("*.png")
    image = Image.open(io.BytesIO(picture.read_bytes()))

    def color(day):
        x0, y0, x1, y1 = cell_box(*day_position(third, day))  # type: ignore[misc]
        return image.getpixel(((x0 + x1) // 2, (y0 + y1) // 2))

    assert [color(first), color(second), color(third)] == list(LEVEL_COLORS)
    assert color(first - timedelta(days=1)) == EMPTY


# ---- configuration, import and the command line ----


def _cli(args: list[str], monkeypatch: pytest.MonkeyPatch, cwd, **env: str):
    import os

    from typer.testing import CliRunner

    from adapters.cli import app as cli_app

    monkeypatch.chdir(cwd)
    for name in list(os.environ):
        if name.startswith(("STUDYBOT_", "DATABASE_URL", "SLACK_", "DISCORD_")):
            monkeypatch.delenv(name)
    return CliRunner().invoke(cli_app, args, env=env)


def test_env_example_is_true(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from bot.settings import Settings, default_database_url
    from tests.conftest import _schema

    text = (Path(__file__).parents[1] / ".env.example").read_text()
    values = dict(
        line.split("=", 1) for line in text.splitlines() if line.strip() and not line.startswith("#")
    )
    assert "DATABASE_URL" not in values  # the default (the user data dir) holds, as the comment says
    (tmp_path / ".env").write_text(text)
    monkeypatch.chdir(tmp_path)
    settings = Settings()  # the example, copied to .env as it is, is valid
    assert settings.database_url == default_database_url()
    assert "studybot_test_<pid>" in text and _schema().startswith("studybot_test_")
    assert "wiped" not in text
    for typed in ("pt", "pt-BR", "pt_br", "en"):
        assert Settings(STUDYBOT_DEFAULT_LANGUAGE=typed).default_language in ("pt-BR", "en")  # type: ignore[call-arg]


def test_semicolon_csv_imports_and_errors_show_patterns_intact(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv
    import io

    from tests.test_content_validation import HEADER, _rows

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(_rows())
    (tmp_path / "planilha.csv").write_text(buffer.getvalue(), encoding="utf-8")
    decks = tmp_path / "my-decks"
    result = _cli(["content", "import", "planilha.csv", "--deck", "minha"], monkeypatch, tmp_path,
                  STUDYBOT_CONTENT_DIRS=str(decks))
    assert result.exit_code == 0, result.output
    assert len(list((decks / "minha" / "questions").glob("*.yaml"))) == 2  # where the bot loads decks from
    assert "the bot loads this deck at its next start" in result.output
    # outside any folder the bot loads: the exact line to add
    result = _cli(["content", "import", "planilha.csv", "--deck", "outra"], monkeypatch, tmp_path)
    assert result.exit_code == 0, result.output
    assert f"STUDYBOT_CONTENT_DIRS={(tmp_path / 'content').resolve()}" in result.output.replace("\n", "")
    rows = _rows()
    rows[0]["id"] = "Bad Id"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (tmp_path / "bad.csv").write_text(buffer.getvalue(), encoding="utf-8")
    result = _cli(["content", "import", "bad.csv", "--deck", "ruim"], monkeypatch, tmp_path)
    assert result.exit_code == 1
    assert "'^[a-z0-9][a-z0-9-]{1,79}$'" in result.output.replace("\n", "")  # not eaten as rich markup


def test_version_and_help_without_type_tags(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import version

    result = _cli(["--version"], monkeypatch, tmp_path)
    assert result.exit_code == 0 and result.output.strip() == f"studybot {version('studybot')}"
    for args in (["--help"], ["console", "--help"], ["content", "import", "--help"], ["tick", "--help"]):
        result = _cli(args, monkeypatch, tmp_path, COLUMNS="120")
        assert result.exit_code == 0, result.output
        assert "<bool>" not in result.output and "<str>" not in result.output and "<path>" not in result.output
    assert "TEXT" in _cli(["tick", "--help"], monkeypatch, tmp_path, COLUMNS="120").output


def test_no_unrelated_library_warnings_at_start(app, monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    import logging

    import discord

    from adapters.discord.client import build_client
    from adapters.slack.app import build_slack_bot
    from bot.settings import Settings

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-3")  # Bolt reads it from the environment itself
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)  # as in a fresh process
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    settings = Settings(database_url=app.settings.database_url, slack_bot_token="xoxb-1-2-3",
                        slack_signing_secret="0" * 32, discord_token="MTA" + "x" * 21 + ".GhIjKl." + "y" * 27)
    with caplog.at_level(logging.WARNING):
        build_slack_bot(app, settings)
        build_client(app, settings)
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "token` will be unused" in m or "PyNaCl" in m or "davey" in m], messages
