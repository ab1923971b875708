"""Names members choose: look-alike team names are refused (UTS #39 skeletons after NFKC), an unknown team gets the
closest few names, and Markdown in member- or team-supplied text shows as typed on every platform."""

from __future__ import annotations

import asyncio
import io
import re
import threading
import time

import pytest
import sqlalchemy
from markdown_it import MarkdownIt
from rich.console import Console

from adapters.console.render import as_plain, print_message
from adapters.discord.render import render as discord_render
from adapters.slack.render import blocks, fallback_text
from bot.bootstrap import App
from bot.confusables import same_looking, skeleton
from bot.events import CommandInvoked, Origin, ReactionAdded
from bot.markdown import literal, unescape
from bot.messages import Kind, Message
from bot.services import teams
from tests.conftest import PG_URL
from tests.test_reliability import Recorder

pytestmark = pytest.mark.timeout(60)

EVIL = "[Free Nitro](https://evil.example/x) **boss** _x_ `y` ~~z~~ ||s|| <@everyone> # h"


class Posting(Recorder):
    """A port that also posts (the daily question) and remembers what it posted."""

    async def post(self, channel, message, *, thread=None, key=None) -> str:
        self.replies.append(message)
        return f"m{len(self.replies)}"


async def say(app: App, port: Recorder, user: str, command: str, text: str, *, name: str | None = None) -> Message:
    port.replies.clear()
    origin = Origin("console", "local", "general", user, user_name=name or user, is_admin=True)
    await app.core.handle(CommandInvoked(origin, command, text), port)
    assert port.replies, (command, text)
    return port.replies[-1]


@pytest.mark.parametrize(
    "look_alike",
    ["Оwls", "Ｏｗｌｓ", "𝐎𝐰𝐥𝐬", "OWLS", "owls", "OwIs", "Ow1s", "Owls"],
    ids=["cyrillic-O", "fullwidth", "math-bold", "upper", "lower", "capital-I", "digit-1", "plain"],
)
async def test_look_alike_team_names_are_refused(app: App, look_alike: str) -> None:
    port = Posting()
    assert "created" in (await say(app, port, "u1", "team", "create Owls")).body
    reply = await say(app, port, "u2", "team", f"create {look_alike}")
    assert reply.kind == Kind.ERROR and "A team called `Owls` exists already" in reply.body
    joined = await say(app, port, "u2", "team", f"join {look_alike}")  # and the look-alike finds the team
    assert "joined" in joined.body and "Owls" in joined.body
    with app.db.transaction() as s:
        assert [t.name for t, _ in teams.list_teams(s, 1)] == ["Owls"]


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (SQLite's writers already take turns: BEGIN IMMEDIATE)")
async def test_look_alike_team_names_created_at_the_same_moment_make_one_team(app: App) -> None:
    """Bob creates `Оwls` (Cyrillic О) while Alice's `Owls` is written but not committed. The unique key cannot see
    that they are one name: Bob's check must wait for Alice's transaction, then refuse his."""
    for user in ("u1", "u2"):  # both known to the bot, so the two commands meet only at the teams
        await say(app, Posting(), user, "team", "list")
    bob: dict[str, Message | BaseException] = {}

    def bob_creates() -> None:
        try:
            bob["reply"] = asyncio.run(say(app, Posting(), "u2", "team", "create Оwls"))
        except BaseException as exc:  # reported by the assertions below
            bob["reply"] = exc

    thread = threading.Thread(target=bob_creates)

    def bob_waits_on_a_lock() -> bool:
        with app.db.engine.connect() as conn:
            return bool(conn.execute(sqlalchemy.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )).scalar())

    def alice_inserting(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith("INSERT INTO teams") and not thread.is_alive() and not bob:
            thread.start()  # Bob's whole command runs now, before Alice's row is in and committed
            deadline = time.monotonic() + 20
            while thread.is_alive() and not bob_waits_on_a_lock() and time.monotonic() < deadline:
                time.sleep(0.02)

    sqlalchemy.event.listen(app.db.engine, "before_cursor_execute", alice_inserting)
    try:
        alice = await say(app, Posting(), "u1", "team", "create Owls")
        thread.join(20)
    finally:
        sqlalchemy.event.remove(app.db.engine, "before_cursor_execute", alice_inserting)
    assert "created" in alice.body
    reply = bob["reply"]
    assert isinstance(reply, Message), reply
    assert reply.kind == Kind.ERROR and "A team called `Owls` exists already" in reply.body
    with app.db.transaction() as s:
        assert [t.name for t, _ in teams.list_teams(s, 1)] == ["Owls"]


def test_skeletons_tell_different_names_apart() -> None:
    assert skeleton("Оwls") == skeleton("Owls") == skeleton("Ｏｗｌｓ")
    for other in ("Hawks", "Owlets", "Owl", "Larks", "Bowls"):
        assert not same_looking(other, "Owls"), other


async def test_unknown_team_suggests_the_closest_few_not_all(app: App) -> None:
    port = Posting()
    for n in range(150):
        await say(app, port, f"m{n}", "team", f"create Team {n:03d} Squad")
    await say(app, port, "x1", "team", "create Night Owls")
    await say(app, port, "x2", "team", "create Night Hawks")
    reply = await say(app, port, "u", "team", "join Nite Owls")
    assert reply.kind == Kind.ERROR
    suggested = re.findall(r"`([^`]+)`", reply.body.split("Closest:")[1].split(".")[0])
    assert suggested[0] == "Night Owls" and len(suggested) <= teams.SUGGESTIONS
    assert len(reply.body) < 300  # not a list of 152 names
    far = await say(app, port, "u", "team", "join Zebra")
    assert "nor one with a similar name" in far.body
    pt = await say(app, port, "u", "studybot", "language pt")
    assert pt.kind != Kind.ERROR
    assert "Mais parecidos: `Night Owls`" in (await say(app, port, "u", "team", "join Nite Owls")).body


async def _evil_messages(app: App) -> list[Message]:
    """The public leaderboard, the team list, a team notice and a streak title with a hostile display name."""
    port = Posting()
    await say(app, port, "admin", "studybot", "schedule 09:00 UTC daily")
    await say(app, port, "admin", "studybot", "post")
    posted = next(m for m in port.replies if m.kind == Kind.QUESTION) if port.replies else None
    assert posted is not None
    origin = Origin("console", "local", "general", "evil", user_name=EVIL, event_id="r1")
    await app.core.handle(ReactionAdded(origin, "m1", "👀"), port)
    team = await say(app, port, "evil", "team", "create Nitro_Club_", name=EVIL)
    listing = await say(app, port, "evil", "team", "list", name=EVIL)
    board = await say(app, port, "evil", "leaderboard", "users all", name=EVIL)
    streak = await say(app, port, "evil", "streak", "", name=EVIL)
    assert "Free Nitro" in board.body and "Free Nitro" in listing.body
    return [team, listing, board, streak]


def _discord_html(text: str) -> str:
    """Discord's Markdown honours CommonMark's backslash escapes: CommonMark's reading of the text."""
    return MarkdownIt("commonmark", {"linkify": False}).enable("strikethrough").render(text)


async def test_markdown_in_names_is_inert_on_discord(app: App) -> None:
    for message in await _evil_messages(app):
        for part in discord_render(message):
            for embed in part.embeds:
                texts = [embed.description or "", embed.title or ""] + [f.value or "" for f in embed.fields]
                for text in texts:
                    html = _discord_html(text)
                    assert "<a " not in html and "<strong>boss" not in html and "<em>x" not in html, text
                    assert "<code>y" not in html and "<del>" not in html, text
                    assert "](https://" not in text and "https://" not in text  # no masked link, no autolink
                    if "Free Nitro" in text:
                        assert "[Free Nitro](https://evil.example/x) **boss**" in unescape(text)


def _text_objects(node, kind: str) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == kind and isinstance(node.get("text"), str) else []
        return found + [t for value in node.values() for t in _text_objects(value, kind)]
    if isinstance(node, list):
        return [t for value in node for t in _text_objects(value, kind)]
    return []


async def test_markdown_in_names_is_inert_on_slack(app: App) -> None:
    seen = 0
    for message in await _evil_messages(app):
        rendered = blocks(message)
        for text in _text_objects(rendered, "mrkdwn"):
            assert "<https" not in text and "\\" not in text, text  # no link; mrkdwn has no escapes to leave in
            if "Free Nitro" in text:
                seen += 1
                assert "\u200b*\u200b\u200b*\u200bboss" in text  # the stars cannot make bold
                assert "\u200b_\u200bx\u200b_\u200b" in text and "\u200b~\u200b" in text
                assert "&lt;@everyone&gt;" in text
                assert "[Free Nitro](https://evil.example/x) **boss** _x_" in text.replace("\u200b", "")
        for text in _text_objects(rendered, "plain_text"):  # headers show text as it is
            assert "\\" not in text
        assert "\\" not in fallback_text(message)
    assert seen >= 2  # the leaderboard and the team list at least
    assert EVIL in fallback_text(Message(Kind.INFO, title=literal(EVIL))).replace("&lt;", "<").replace("&gt;", ">")


async def test_markdown_in_names_shows_as_typed_on_the_console(app: App) -> None:
    messages = await _evil_messages(app)
    board = messages[2]
    assert EVIL in as_plain(board, private=False)
    buffer = io.StringIO()
    print_message(Console(file=buffer, width=300, force_terminal=True, color_system=None), "bot", board, private=False)
    assert "[Free Nitro](https://evil.example/x) **boss**" in buffer.getvalue()


def test_literal_round_trips_and_leaves_code_alone() -> None:
    for text in (EVIL, "a\\b", "plain", "Ana-Maria: 10:00", "🦊 `tick`"):
        assert unescape(literal(text)) == text
    assert unescape("`a\\*b` \\*") == "`a\\*b` *"
