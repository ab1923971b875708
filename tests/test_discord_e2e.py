"""The Discord adapter end to end: the real discord.py client connected to a fake gateway and a fake REST API on
127.0.0.1 (fakes/discord_fake.py), a real SQLite database per test, and the payload shapes Discord sends.

Every rig checks on the way out that Discord would have accepted every message (limits), that nothing was logged
at ERROR unless the test expects it, and that the bot token never appeared in any log record.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from adapters.discord.runner import running, start_discord
from bot.bootstrap import App
from bot.clock import ManualClock
from bot.messages import Kind, Message
from bot.ports import ChannelRef
from fakes.discord_fake import Call, FakeDiscord, Guild
from tests import discord_conformance as conformance
from tests.conftest import make_app

pytestmark = pytest.mark.timeout(30)

TOKEN = "OTAwMDAwMDAwMDAwMDAwMDAx.GsEcReT.token-that-must-never-be-logged"
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
EPHEMERAL = 64
A, A_CHANNEL = 111000000000000001, 211000000000000001
B, B_CHANNEL = 122000000000000002, 222000000000000002
ALICE, BOB, CAROL = 311000000000000001, 312000000000000002, 313000000000000003
DAVE, ERIN = 321000000000000001, 322000000000000002
EYES = "👀"
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content


def guilds() -> list[Guild]:
    return [
        Guild(A, "Study A", {A_CHANNEL: "general"}, {ALICE: "alice", BOB: "bob", CAROL: "carol"}),
        Guild(B, "Study B", {B_CHANNEL: "study"}, {DAVE: "dave", ERIN: "erin"}),
    ]


def embeds_of(body: dict[str, Any] | None) -> list[dict[str, Any]]:
    body = body or {}
    return (body.get("data") or body).get("embeds") or []


def text_of(body: dict[str, Any] | None) -> str:
    """Every text a member would see in a message body (or an interaction callback's data)."""
    parts = [(body or {}).get("content") or ((body or {}).get("data") or {}).get("content") or ""]
    for embed in embeds_of(body):
        parts += [(embed.get("author") or {}).get("name") or "", embed.get("title") or "",
                  embed.get("description") or ""]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(p for p in parts if p)


def buttons_of(message: dict[str, Any]) -> dict[str, str]:
    """label -> custom_id of a message's buttons."""
    rows = message.get("components") or (message.get("data") or {}).get("components") or []
    return {b["label"]: b["custom_id"] for row in rows for b in row["components"]}


def processed_events(app: App) -> set[str]:
    with app.db.engine.connect() as conn:
        return {row[0] for row in conn.execute(text("SELECT event_id FROM processed_events"))}


def button(message: dict[str, Any], fragment: str) -> str:
    """The custom id of a message's button whose id contains ``fragment`` (e.g. ``:good`` for "I knew it")."""
    return next(c for c in buttons_of(message).values() if fragment in c)


@dataclass
class Rig:
    fake: FakeDiscord
    app: App
    client: Any
    records: list[logging.LogRecord] = field(default_factory=list)
    expect_errors: bool = False

    def errors(self) -> list[logging.LogRecord]:
        return [r for r in self.records if r.levelno >= logging.ERROR]

    async def wait(self, predicate, timeout: float = 5.0) -> Any:
        """Poll ``predicate``; fail at once if a handler logged an error, instead of timing out."""
        def check() -> Any:
            if not self.expect_errors and self.errors():
                raise AssertionError(f"handler error: {self.errors()[0].getMessage()}")
            return predicate()
        return await self.fake.wait_for(check, timeout)

    async def callback(self, interaction_id: int, index: int = 0) -> Call:
        await self.wait(lambda: len(self.fake.callbacks(interaction_id)) > index)
        return self.fake.callbacks(interaction_id)[index]

    async def slash(self, member: int, command: str, /, *sub: str, guild: int = A, channel: int | None = None,
                    permissions: int = 0, locale: str = "en-US", **values: Any) -> Call:
        channel = channel or (A_CHANNEL if guild == A else B_CHANNEL)
        iid = await self.fake.slash(guild, channel, member, command, *sub, permissions=permissions, locale=locale,
                                    **values)
        return await self.callback(iid)

    async def settle(self) -> None:
        """Let the bot take in what was dispatched: a ping through the same websocket, answered in order
        (its own call is then forgotten)."""
        iid = await self.fake.slash(A, A_CHANNEL, ALICE, "studybot", "help")
        ping = await self.callback(iid)
        self.fake.calls.remove(ping)

    def response(self, interaction_id: int) -> dict[str, Any]:
        """The message an interaction's response created or edited."""
        return self.fake.response_message(f"itoken-{interaction_id}")

    def posts(self, channel: int = A_CHANNEL) -> list[Call]:
        return self.fake.of("POST", f"/channels/{channel}/messages")

    async def post_daily(self, guild: int = A) -> dict[str, Any]:
        channel = A_CHANNEL if guild == A else B_CHANNEL
        admin = ALICE if guild == A else DAVE
        before = len(self.posts(channel))
        call = await self.slash(admin, "studybot", "post", guild=guild, permissions=MANAGE_GUILD)
        assert "Posted today's question" in text_of(call.body), text_of(call.body)
        assert len(self.posts(channel)) == before + 1
        return self.posts(channel)[-1].result

    def dms(self) -> list[Call]:
        dm_channels = self.fake.dm_channels
        return [c for c in self.fake.of("POST", "/channels/") if int(c.path.split("/")[2]) in dm_channels]


class _Records(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]):
        super().__init__(logging.DEBUG)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        record.rendered = self.format(record)  # type: ignore[attr-defined]
        self.records.append(record)


@asynccontextmanager
async def discord_rig(database_url: str, clock: ManualClock, **overrides: Any) -> AsyncIterator[Rig]:
    options = {k: overrides.pop(k) for k in ("defer_after",) if k in overrides}
    fake = await FakeDiscord(guilds=guilds(), **{k: overrides.pop(k) for k in list(overrides) if k in (
        "closed_dms", "forbidden_channels", "rate_limited_posts", "replay_on_resume", "reject_token")}).start()
    app = make_app(database_url, clock, discord_token=TOKEN, discord_api_base=fake.api_base,
                   discord_gateway_url=fake.gateway_url, **overrides)
    records: list[logging.LogRecord] = []
    handler = _Records(records)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        async with running(app, app.settings, guild_ready_timeout=0.05, **options) as (client, _task):
            rig = Rig(fake, app, client, records)
            yield rig
        logged = "\n".join(getattr(r, "rendered", r.getMessage()) for r in records)
        assert TOKEN not in logged and TOKEN.split(".")[-1] not in logged
        assert fake.rejected == [], fake.rejected
        if conformance.available():  # every body sent, as Discord's own API description has it
            assert [p for c in fake.calls for p in conformance.problems(c)] == []
        if not rig.expect_errors:
            assert rig.errors() == [], [r.getMessage() for r in rig.errors()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        app.close()
        await fake.stop()


@pytest.fixture
async def rig(database_url: str, clock: ManualClock) -> AsyncIterator[Rig]:
    async with discord_rig(database_url, clock) as started:
        yield started


# ---- ready and command sync ----


async def test_ready_syncs_the_registry_as_slash_commands_with_default_intents(rig: Rig) -> None:
    fake = rig.fake
    identify = fake.identifies[0]
    assert identify["token"] == TOKEN
    assert identify["intents"] & PRIVILEGED_INTENTS == 0
    assert identify["intents"] & (1 << 10)  # guild message reactions
    assert all(c.authorization == f"Bot {TOKEN}" for c in fake.calls if not c.path.startswith("/interactions/"))
    [sync] = fake.of("PUT", f"/applications/{fake.app_id}/commands")
    commands = {c["name"]: c for c in sync.body}
    assert {"quiz", "streak", "leaderboard", "team", "studybot"} <= set(commands)
    assert all(c["dm_permission"] is False for c in commands.values())
    assert int(commands["studybot"]["default_member_permissions"]) == MANAGE_GUILD
    assert commands["quiz"]["default_member_permissions"] is None
    assert commands["team"]["default_member_permissions"] is None
    team = {o["name"]: o for o in commands["team"]["options"]}
    assert set(team) == {"create", "join", "leave", "list"} and all(o["type"] == 1 for o in team.values())
    assert team["join"]["options"][0]["autocomplete"] is True
    quiz = {o["name"]: o for o in commands["quiz"]["options"]}
    assert quiz["count"]["type"] == 4 and quiz["category"]["type"] == 3 and quiz["category"]["autocomplete"]
    assert commands["streak"]["options"][0]["type"] == 6
    scope = commands["leaderboard"]["options"][0]
    assert [c["value"] for c in scope["choices"]] == ["users", "teams"]
    schedule = next(o for o in commands["studybot"]["options"] if o["name"] == "schedule")
    assert [(o["name"], o["required"]) for o in schedule["options"]] == [
        ("time", True), ("timezone", True), ("days", False)]
    assert schedule["options"][1]["autocomplete"] is True
    assert commands["quiz"]["description_localizations"]["pt-BR"].startswith("Começa um quiz")
    for command in sync.body:  # Discord's limits on names and descriptions
        for item in [command, *command["options"], *[o for s in command["options"] for o in s.get("options", [])]]:
            assert 1 <= len(item["description"]) <= 100 and len(item["name"]) <= 32
    assert not fake.of("PUT", f"/applications/{fake.app_id}/guilds/")
    assert len(rig.client.guilds) == 2


needs_conformance = pytest.mark.skipif(not conformance.available(), reason=conformance.ABSENT)


async def test_every_command_option_and_choice_has_a_real_description_and_pt_br_names(rig: Rig) -> None:
    [sync] = rig.fake.of("PUT", f"/applications/{rig.fake.app_id}/commands")
    assert conformance.command_problems(sync.body) == []
    commands = {c["name"]: c for c in sync.body}
    quiz = {o["name"]: o for o in commands["quiz"]["options"]}
    assert commands["quiz"]["name_localizations"] == {"pt-BR": "quiz"}
    assert quiz["count"]["name_localizations"]["pt-BR"] == "quantidade"
    assert quiz["count"]["description"] == "How many questions, 1 to 20 (default 5)."
    assert quiz["category"]["description_localizations"]["pt-BR"].startswith("Só perguntas desta categoria")
    team = {o["name"]: o for o in commands["team"]["options"]}
    assert commands["team"]["name_localizations"]["pt-BR"] == "time"
    assert team["create"]["name_localizations"]["pt-BR"] == "criar"
    scope = commands["leaderboard"]["options"][0]
    assert [(c["value"], c["name"], c["name_localizations"]["pt-BR"]) for c in scope["choices"]] == [
        ("users", "Members", "Pessoas"), ("teams", "Teams", "Times")]
    studybot = {o["name"]: o for o in commands["studybot"]["options"]}
    assert studybot["restore-streak"]["name_localizations"]["pt-BR"] == "restaurar-sequência"
    # the bot still reads the option values by their default names, whatever the member's language
    call = await rig.slash(BOB, "leaderboard", locale="pt-BR", scope="teams", period="all")
    assert "Leaderboard: teams, all time" in text_of(call.body)  # (answers are in the channel's language)


def test_the_limit_checks_catch_what_discord_refuses() -> None:
    """The command checks are not vacuous: each kind of fault in a command list is named."""
    good = {"name": "quiz", "description": "Start a quiz.", "name_localizations": {"pt-BR": "quiz"},
            "description_localizations": {"pt-BR": "Começa um quiz."}, "options": []}
    assert conformance.command_problems([good]) == []
    bad = [
        {**good, "name": "Quiz"},
        {**good, "name_localizations": {"pt-BR": "começar quiz"}},
        {**good, "name_localizations": {}},
        {**good, "description": "CATEGORY"},
        {**good, "description_localizations": {"pt-BR": "x" * 101}},
        {**good, "options": [{**good, "name": "a", "type": 3, "required": False},
                             {**good, "name": "b", "type": 3, "required": True}]},
        {**good, "options": [{**good, "name": "c", "type": 3, "choices": [{"name": "x", "value": "x"}]}]},
    ]
    for command in bad:
        assert conformance.command_problems([command]), command


@needs_conformance
async def test_synced_commands_and_sent_bodies_match_discords_openapi(rig: Rig) -> None:
    """The command list and a tour of what studybot sends (posts, DMs, threads, callbacks, deferrals, follow-ups,
    edits, a file upload), each body validated against Discord's OpenAPI description."""
    post = await rig.post_daily()
    await rig.fake.react(A, A_CHANNEL, int(post["id"]), BOB, EYES)
    await rig.wait(rig.dms)
    await rig.slash(BOB, "quiz", count=1)
    await rig.slash(BOB, "stats")
    await rig.slash(BOB, "team", "create", name="Owls")
    await rig.callback(await rig.fake.autocomplete(A, A_CHANNEL, ALICE, "team", "join", focused="name", name="o"))
    sent = [c for c in rig.fake.calls if c.body is not None and c.method in ("POST", "PUT", "PATCH")]
    kinds = {conformance.template(c.path) for c in sent}
    assert {"/applications/{application_id}/commands", "/channels/{channel_id}/messages",
            "/interactions/{interaction_id}/{interaction_token}/callback", "/users/@me/channels"} <= kinds
    assert [p for c in sent for p in conformance.problems(c)] == []
    # the validator is not vacuous: what Discord refuses is named
    refused = Call("POST", f"/channels/{A_CHANNEL}/messages", {"embeds": [{"title": "x" * 257}] * 11}, {}, None)
    assert conformance.problems(refused)
    refused = Call("PUT", f"/applications/{rig.fake.app_id}/commands", [{"name": "x", "type": 99}], {}, None)
    assert conformance.problems(refused)


async def test_guild_ids_sync_to_those_guilds_at_once(database_url: str, clock: ManualClock) -> None:
    async with discord_rig(database_url, clock, discord_guild_ids=f"{A},{B}") as rig:
        app_id = rig.fake.app_id
        assert not rig.fake.of("PUT", f"/applications/{app_id}/commands")
        for guild in (A, B):
            [sync] = rig.fake.of("PUT", f"/applications/{app_id}/guilds/{guild}/commands")
            assert {c["name"] for c in sync.body} >= {"quiz", "studybot"}
        call = await rig.slash(ERIN, "team", "list", guild=B, channel=B_CHANNEL)  # a guild command's payload
        assert "No teams yet" in text_of(call.body)


# ---- the daily question and reveals ----


async def test_studybot_post_posts_the_daily_question_once_with_persistent_buttons(rig: Rig) -> None:
    post = await rig.post_daily()
    [embed] = post["embeds"]
    assert embed["title"].startswith("📚 Question of the day") and embed["description"].startswith("**")
    assert "React with 👀" in embed["footer"]["text"] and embed["author"]["name"]
    ids = buttons_of(post)
    assert ids["Reveal answer"].startswith("sb:reveal:") and ids["Quiz me"].startswith("sb:quizme:")
    reply = rig.fake.callbacks()[-1].body
    assert reply["type"] == 4 and reply["data"]["flags"] == EPHEMERAL
    again = await rig.slash(ALICE, "studybot", "post", permissions=MANAGE_GUILD)
    assert "already posted" in text_of(again.body)
    assert len(rig.posts()) == 1


async def test_reveal_by_reaction_sends_the_answer_by_dm_with_self_grade_buttons(rig: Rig) -> None:
    post = await rig.post_daily()
    await rig.fake.react(A, A_CHANNEL, int(post["id"]), BOB, EYES)
    [dm] = await rig.wait(rig.dms)
    [opened] = rig.fake.of("POST", "/users/@me/channels")
    assert int(opened.body["recipient_id"]) == BOB
    assert "Model answer" in text_of(dm.body) and "How did you do?" in text_of(dm.body)
    dm_message = rig.fake.messages[max(rig.fake.messages)]
    grade = button(dm_message, ":good")
    assert grade.endswith(f"|{A}.{A_CHANNEL}")  # routed back to the study channel
    iid = await rig.fake.click(dm_message, grade, BOB, guild_id=None)
    edited = await rig.callback(iid)
    assert edited.body["type"] == 7 and "Nice: marked as known." in text_of(edited.body)
    assert edited.body["data"]["components"] == []
    streak = await rig.slash(BOB, "streak")
    assert "Current 1 question day" in text_of(streak.body)


async def test_closed_dms_fall_back_to_a_spoiler_in_the_posts_thread(database_url: str, clock: ManualClock) -> None:
    async with discord_rig(database_url, clock, closed_dms={BOB, CAROL}) as rig:
        post = await rig.post_daily()
        post_id = int(post["id"])
        await rig.fake.react(A, A_CHANNEL, post_id, BOB, EYES)
        [reply] = await rig.wait(lambda: rig.fake.of("POST", f"/channels/{post_id}/messages"))
        [thread] = rig.fake.of("POST", f"/channels/{A_CHANNEL}/messages/{post_id}/threads")
        assert 1 <= len(thread.body["name"]) <= 100
        assert reply.body["content"] == f"<@{BOB}>"
        mentions = reply.body["allowed_mentions"]
        assert mentions["parse"] == [] and [int(u) for u in mentions["users"]] == [BOB]
        [embed] = reply.body["embeds"]
        assert embed["description"].startswith("||") and embed["description"].endswith("||")
        assert all(f["value"].startswith("||") for f in embed["fields"])
        thread_message = rig.fake.messages[max(rig.fake.messages)]
        grade = button(thread_message, ":good")
        assert grade.endswith(f"|{A}.{A_CHANNEL}.t")
        # a click in the public thread is answered privately; the mention's message stays as it is
        iid = await rig.fake.click(thread_message, grade, BOB, guild_id=A)
        answer = await rig.callback(iid)
        assert answer.body["type"] == 4 and answer.body["data"]["flags"] == EPHEMERAL
        assert "Nice: marked as known." in text_of(answer.body)
        # a second member with closed DMs: the thread exists already, the answer goes into it
        await rig.fake.react(A, A_CHANNEL, post_id, CAROL, EYES)
        await rig.wait(lambda: len(rig.fake.of("POST", f"/channels/{post_id}/messages")) == 2)
        assert rig.fake.of("POST", f"/channels/{post_id}/messages")[1].body["content"] == f"<@{CAROL}>"
        assert len(rig.fake.of("POST", f"/channels/{A_CHANNEL}/messages/{post_id}/threads")) == 2
        assert len(rig.dms()) == 2  # each DM was tried first
        # commands in the thread act on its channel: bob's streak there is the channel's
        streak = await rig.slash(BOB, "streak", channel=post_id)
        assert "Current 1 question day" in text_of(streak.body)


async def test_other_emoji_other_messages_and_bots_reactions_are_ignored(rig: Rig) -> None:
    post = await rig.post_daily()
    post_id = int(post["id"])
    before = len(rig.fake.calls)
    await rig.fake.react(A, A_CHANNEL, post_id, BOB, "👍")
    await rig.fake.react(A, A_CHANNEL, post_id, BOB, {"id": "555000000000000001", "name": "eyes2", "animated": False})
    await rig.fake.react(A, A_CHANNEL, post_id, 0, EYES, bot=True)
    rig.fake.messages[777] = {**post, "id": "777", "author": {"id": str(CAROL)}}
    await rig.fake.react(A, A_CHANNEL, 777, BOB, EYES)  # someone else's message
    await rig.fake.react(A, A_CHANNEL, rig.fake.next_id(), BOB, EYES)  # a bot message that is no daily post
    await rig.settle()
    assert rig.fake.calls[before:] == []
    await rig.fake.react(A, A_CHANNEL, post_id, BOB, EYES)  # the same flow still reveals
    await rig.wait(rig.dms)
    assert len(rig.dms()) == 1


async def test_custom_reveal_emoji_matches_the_reaction(rig: Rig) -> None:
    call = await rig.slash(ALICE, "studybot", "reveal", permissions=MANAGE_GUILD, emoji="<:idea:555000000000000009>")
    assert "React with :idea: to reveal answers." in text_of(call.body)
    post = await rig.post_daily()
    await rig.fake.react(A, A_CHANNEL, int(post["id"]), BOB, EYES)
    await rig.fake.react(A, A_CHANNEL, int(post["id"]), BOB, {"id": "555000000000000009", "name": "idea"})
    await rig.wait(rig.dms)
    await rig.settle()
    assert len(rig.dms()) == 1


async def test_reveal_button_answers_ephemerally_and_again_without_counting_twice(rig: Rig) -> None:
    post = await rig.post_daily()
    reveal = buttons_of(post)["Reveal answer"]
    first = await rig.callback(await rig.fake.click(post, reveal, BOB, guild_id=A))
    assert first.body["type"] == 4 and first.body["data"]["flags"] == EPHEMERAL
    assert "Model answer" in text_of(first.body)
    grade = button(first.body, ":good")
    assert grade.startswith("sb:grade:") and "|" not in grade
    again = await rig.callback(await rig.fake.click(post, reveal, BOB, guild_id=A))
    assert "You revealed this one already" in text_of(again.body)
    board = await rig.slash(BOB, "leaderboard")
    assert "bob: 1 pt" in text_of(board.body)
    assert not rig.dms()


async def test_long_texts_are_split_to_fit_discords_limits(database_url: str, clock: ManualClock,
                                                           tmp_path: Path) -> None:
    deck = tmp_path / "decks" / "long"
    (deck / "questions").mkdir(parents=True)
    (deck / "deck.yaml").write_text(
        "id: long\ntitle: {en: Long, pt-BR: Longo}\ndescription: {en: Long texts, pt-BR: Textos longos}\n"
        "languages: [en, pt-BR]\ncategories:\n  basics: {en: Basics, pt-BR: Básico}\n", encoding="utf-8")
    prompt = "Why " + "is this prompt so long " * 19 + "?"
    answer = "\n".join(f"- point {i}: " + "words " * 40 for i in range(11))
    side = (f"  prompt: \"{prompt}\"\n  assesses: \"{'Whether it fits. ' * 58}\"\n  answer: |\n"
            + "".join(f"    {line}\n" for line in answer.splitlines()))
    (deck / "questions" / "long-one.yaml").write_text(
        f"id: long-one\ncategory: basics\ndifficulty: 2\nen:\n{side}pt-BR:\n{side}", encoding="utf-8")
    async with discord_rig(database_url, clock, content_dirs=str(tmp_path / "decks"), default_deck="long") as rig:
        post = await rig.post_daily()
        await rig.fake.react(A, A_CHANNEL, int(post["id"]), BOB, EYES)
        [dm] = await rig.wait(rig.dms)
        [embed] = dm.body["embeds"]
        assert len(prompt) > 256 and "title" not in embed  # the long title moved into the description
        assert prompt in embed["description"] and "point 10" in embed["description"]
        assert rig.fake.rejected == []


# ---- commands ----


async def test_commands_with_typed_options_reach_the_core_as_text(rig: Rig) -> None:
    call = await rig.slash(ALICE, "studybot", "schedule", permissions=MANAGE_GUILD, days="mon,wed,fri",
                           timezone="Europe/Berlin", time="09:00")
    assert call.body["type"] == 4 and not call.body["data"].get("flags")  # public
    assert "Daily question at 09:00 (Europe/Berlin), Mon, Wed, Fri" in text_of(call.body)
    status = await rig.slash(BOB, "studybot", "status", permissions=0)
    assert "09:00 Europe/Berlin" in text_of(status.body) and status.body["data"]["flags"] == EPHEMERAL
    created = await rig.slash(BOB, "team", "create", name="Night Owls")
    assert "Team **Night Owls** created" in text_of(created.body)
    joined = await rig.slash(CAROL, "team", "join", name="Night Owls")
    assert "You joined" in text_of(joined.body)
    teams = await rig.slash(ALICE, "team", "list")
    assert "bob" in text_of(teams.body) and "carol" in text_of(teams.body)
    streak = await rig.slash(ALICE, "streak", user=BOB)
    assert "bob's streak" in text_of(streak.body)
    board = await rig.slash(BOB, "leaderboard", period="all", scope="teams")
    assert "Leaderboard: teams, all time" in text_of(board.body)
    language = await rig.slash(ALICE, "studybot", "language", permissions=MANAGE_GUILD, language="pt")
    assert "português" in text_of(language.body).casefold()
    helped = await rig.slash(BOB, "studybot", "help")
    assert "/studybot schedule" in text_of(helped.body)
    quiz = await rig.slash(BOB, "quiz", count=2)
    assert "Quiz 1/2" in text_of(quiz.body) and quiz.body["data"]["flags"] == EPHEMERAL


@pytest.mark.parametrize(
    ("command", "values", "expected"),
    [
        (("studybot", "schedule"), {"time": "9am", "timezone": "Europe/Berlin"}, "is not a time of day"),
        (("studybot", "schedule"), {"time": "09:00", "timezone": "Berlin"}, "Did you mean `Europe/Berlin`?"),
        (("studybot", "schedule"), {"time": "09:00", "timezone": "UTC", "days": "someday"}, "is not a set of days"),
        (("studybot", "deck"), {"deck": "nope"}, "There is no deck `nope`"),
        (("studybot", "reveal"), {"emoji": "banana split"}, "is not an emoji"),
        (("quiz",), {"count": 0}, "is not a number of questions"),
        (("quiz",), {"category": "astrology"}, "There is no category `astrology`"),
        (("team", "join"), {"name": "Nobody"}, "There are no teams yet"),
        (("team", "create"), {"name": "a" * 40}, "A team name has 1 to"),
        (("streak",), {"user": CAROL}, "I don't know"),
    ],
)
async def test_bad_input_gets_the_cores_explanation_privately(rig: Rig, command: tuple[str, ...],
                                                              values: dict[str, Any], expected: str) -> None:
    call = await rig.slash(ALICE, *command, permissions=MANAGE_GUILD, **values)
    assert call.body["data"]["flags"] == EPHEMERAL
    assert expected in text_of(call.body), text_of(call.body)


async def test_quiz_flow_by_button_clicks_edits_the_card_in_place(rig: Rig) -> None:
    start = await rig.slash(BOB, "quiz", count=2)
    card = rig.response(int(start.path.split("/")[2]))
    assert card["flags"] & EPHEMERAL
    answers = buttons_of(card)
    assert list(answers)[:2] == ["A", "B"] and all(a.startswith("sb:answer:") for a in answers.values())
    graded = await rig.callback(await rig.fake.click(card, answers["A"], BOB, guild_id=A))
    assert graded.body["type"] == 7 and "You chose A." in text_of(graded.body) and "✅" in text_of(graded.body)
    card = rig.fake.messages[int(card["id"])]
    follow = buttons_of(card)
    assert list(follow) == ["Next question"]
    second = await rig.callback(await rig.fake.click(card, follow["Next question"], BOB, guild_id=A))
    assert second.body["type"] == 7 and "Quiz 2/2" in text_of(second.body)
    card = rig.fake.messages[int(card["id"])]
    await rig.callback(await rig.fake.click(card, buttons_of(card)["B"], BOB, guild_id=A))
    card = rig.fake.messages[int(card["id"])]
    done = await rig.callback(await rig.fake.click(card, buttons_of(card)["See results"], BOB, guild_id=A))
    assert "Quiz finished" in text_of(done.body) and "of 2 correct" in text_of(done.body)
    assert rig.fake.messages[int(card["id"])]["components"] == []


async def test_quiz_me_button_starts_a_quiz_on_the_daily_question(rig: Rig) -> None:
    post = await rig.post_daily()
    call = await rig.callback(await rig.fake.click(post, buttons_of(post)["Quiz me"], BOB, guild_id=A))
    assert call.body["type"] == 4 and call.body["data"]["flags"] == EPHEMERAL
    assert "Quiz 1/" in text_of(call.body) and "A" in buttons_of(call.body)


async def test_autocomplete_offers_timezones_teams_categories_and_decks(rig: Rig) -> None:
    await rig.slash(BOB, "team", "create", name="Owls")
    cases = [
        (("studybot", "schedule"), "timezone", {"time": "09:00", "timezone": "Berl"}, "Europe/Berlin"),
        (("team", "join"), "name", {"name": "ow"}, "Owls"),
        (("quiz",), "category", {"category": ""}, None),
        (("studybot", "deck"), "deck", {"deck": "mlops"}, "mlops-interview"),
    ]
    for command, focused, values, expected in cases:
        iid = await rig.fake.autocomplete(A, A_CHANNEL, ALICE, *command, focused=focused, **values)
        call = await rig.callback(iid)
        assert call.body["type"] == 8
        choices = [c["value"] for c in call.body["data"]["choices"]]
        assert choices and len(choices) <= 25
        if expected:
            assert expected in choices


async def test_a_member_without_manage_server_is_refused_settings(rig: Rig) -> None:
    refused = await rig.slash(BOB, "studybot", "schedule", permissions=0, time="10:00", timezone="UTC")
    assert refused.body["data"]["flags"] == EPHEMERAL and "Only workspace admins" in text_of(refused.body)
    refused = await rig.slash(BOB, "studybot", "post", permissions=0)
    assert "Only workspace admins" in text_of(refused.body)
    assert not rig.posts()
    status = await rig.slash(BOB, "studybot", "status")
    assert "09:00 UTC" in text_of(status.body) and "off" in text_of(status.body)  # nothing changed
    allowed = await rig.slash(CAROL, "studybot", "schedule", permissions=ADMINISTRATOR, time="10:00", timezone="UTC")
    assert "Daily question at 10:00" in text_of(allowed.body)


async def test_two_guilds_never_mix(rig: Rig) -> None:
    post_a = await rig.post_daily(A)
    await rig.post_daily(B)
    await rig.slash(BOB, "team", "create", name="Owls")
    await rig.callback(await rig.fake.click(post_a, buttons_of(post_a)["Reveal answer"], BOB, guild_id=A))
    teams_b = await rig.slash(ERIN, "team", "list", guild=B)
    assert "No teams yet" in text_of(teams_b.body)
    board_b = await rig.slash(ERIN, "leaderboard", guild=B, period="all")
    assert "bob" not in text_of(board_b.body) and "No points yet" in text_of(board_b.body)
    # guild A's button pressed in guild B (a forged or copied custom id) reveals nothing
    forged = {**post_a, "channel_id": str(B_CHANNEL)}
    call = await rig.callback(await rig.fake.click(forged, buttons_of(post_a)["Reveal answer"], ERIN, guild_id=B))
    assert "Model answer" not in text_of(call.body) and call.body["data"]["flags"] == EPHEMERAL
    board_a = await rig.slash(ALICE, "leaderboard", period="all")
    assert "bob: 1 pt" in text_of(board_a.body) and "erin" not in text_of(board_a.body)


async def test_a_guild_b_press_of_a_guild_a_route_changes_nothing_and_shows_nothing_of_a(rig: Rig) -> None:
    post = await rig.post_daily(A)
    await rig.fake.react(A, A_CHANNEL, int(post["id"]), BOB, EYES)
    await rig.wait(rig.dms)
    dm_message = rig.fake.messages[max(rig.fake.messages)]
    grade = button(dm_message, ":good")
    assert grade.endswith(f"|{A}.{A_CHANNEL}")
    before_a = text_of((await rig.slash(ALICE, "leaderboard", period="all")).body)
    events = processed_events(rig.app)

    def refused(call: Call) -> None:
        shown = text_of(call.body)
        assert "This button has expired" in shown and call.body["data"]["flags"] == EPHEMERAL, shown
        assert "Study A" not in shown and "Model answer" not in shown and "Nice" not in shown, shown
        assert "components" not in call.body["data"] or call.body["data"]["components"] == []

    # pressed in guild B (a copied id): the place is B's, and the A route does not belong there
    in_b = {**dm_message, "channel_id": str(B_CHANNEL)}
    refused(await rig.callback(await rig.fake.click(in_b, grade, DAVE, guild_id=B)))
    # pressed in a DM by someone who is not (or no longer) a member of A
    refused(await rig.callback(await rig.fake.click(dm_message, grade, ERIN, guild_id=None)))
    rig.fake.guild(A).members.pop(CAROL)
    refused(await rig.callback(await rig.fake.click(dm_message, grade, CAROL, guild_id=None)))
    assert rig.fake.of("GET", f"/guilds/{A}/members/{ERIN}") and rig.fake.of("GET", f"/guilds/{A}/members/{CAROL}")
    # nothing changed anywhere: no event handled by the core, same boards, no streak for the pressers
    assert processed_events(rig.app) == events
    assert text_of((await rig.slash(ALICE, "leaderboard", period="all")).body) == before_a
    board_b = text_of((await rig.slash(DAVE, "leaderboard", guild=B, period="all")).body)
    assert "No points yet" in board_b and "bob" not in board_b
    assert "Current 0" in text_of((await rig.slash(DAVE, "streak", guild=B)).body)
    # the member the DM belongs to, still in A, grades as before
    graded = await rig.callback(await rig.fake.click(dm_message, grade, BOB, guild_id=None))
    assert graded.body["type"] == 7 and "Nice: marked as known." in text_of(graded.body)


# ---- reliability ----


async def test_a_duplicated_dispatch_has_one_effect(rig: Rig) -> None:
    post = await rig.post_daily()
    post_call = int(rig.fake.callbacks()[-1].path.split("/")[2])
    await rig.fake.resend("INTERACTION_CREATE")  # the same /studybot post interaction again
    await rig.fake.react(A, A_CHANNEL, int(post["id"]), BOB, EYES)
    await rig.wait(rig.dms)
    await rig.fake.resend("MESSAGE_REACTION_ADD")
    iid = await rig.fake.click(post, buttons_of(post)["Reveal answer"], CAROL, guild_id=A)
    await rig.callback(iid)
    await rig.fake.resend("INTERACTION_CREATE")
    await rig.settle()
    assert len(rig.posts()) == 1
    assert len(rig.dms()) == 1
    assert len(rig.fake.callbacks(iid)) == 1 and len(rig.fake.callbacks(post_call)) == 1
    events = processed_events(rig.app)
    assert f"reaction:{post['id']}:{BOB}:{EYES}" in events and str(iid) in events and str(post_call) in events
    board = await rig.slash(ALICE, "leaderboard")
    assert "bob: 1 pt" in text_of(board.body) and "carol: 1 pt" in text_of(board.body)


async def test_a_resume_replaying_events_neither_reposts_nor_double_counts(database_url: str,
                                                                             clock: ManualClock) -> None:
    async with discord_rig(database_url, clock, replay_on_resume=3) as rig:
        post = await rig.post_daily()
        await rig.fake.react(A, A_CHANNEL, int(post["id"]), BOB, EYES)
        await rig.wait(rig.dms)
        click = await rig.fake.click(post, buttons_of(post)["Reveal answer"], CAROL, guild_id=A)
        await rig.callback(click)
        await rig.fake.request_reconnect()
        await rig.wait(lambda: rig.fake.resumes)
        assert rig.fake.resumes[0]["session_id"] == "session-1" and len(rig.fake.identifies) == 1
        await rig.settle()
        assert len(rig.posts()) == 1 and len(rig.dms()) == 1
        assert len(rig.fake.callbacks(click)) == 1  # the replayed click was not answered again
        assert len(rig.fake.of("PUT", f"/applications/{rig.fake.app_id}/commands")) == 1  # no second sync
        board = await rig.slash(ALICE, "leaderboard")
        assert "bob: 1 pt" in text_of(board.body) and "carol: 1 pt" in text_of(board.body)


async def test_a_forbidden_channel_is_a_permanent_failure_tried_once(database_url: str, clock: ManualClock) -> None:
    async with discord_rig(database_url, clock, forbidden_channels={A_CHANNEL}) as rig:
        call = await rig.slash(ALICE, "studybot", "post", permissions=MANAGE_GUILD)
        assert "I could not post in this channel: Missing Permissions" in text_of(call.body)
        assert len(rig.posts()) == 1  # one attempt, no retry loop on 403
        assert any("Missing Permissions" in r.getMessage() and r.levelno == logging.WARNING for r in rig.records)


async def test_a_rate_limited_post_is_retried_by_discord_py_and_logged(database_url: str, clock: ManualClock) -> None:
    async with discord_rig(database_url, clock, rate_limited_posts=1) as rig:
        call = await rig.slash(ALICE, "studybot", "post", permissions=MANAGE_GUILD)
        assert "Posted today's question" in text_of(call.body)
        assert len(rig.posts()) == 2  # the 429, then the post
        assert any("rate limited" in r.getMessage() and r.levelno == logging.WARNING for r in rig.records)


async def test_a_slow_core_is_deferred_then_answered(database_url: str, clock: ManualClock) -> None:
    async with discord_rig(database_url, clock, defer_after=0) as rig:
        status = await rig.slash(BOB, "studybot", "status")
        assert status.body == {"type": 5, "data": {"flags": EPHEMERAL}}
        token = status.path.split("/")[3]
        [edit] = await rig.wait(lambda: rig.fake.of("PATCH", f"/webhooks/{rig.fake.app_id}/{token}/messages/@original"))
        assert "studybot in this channel" in text_of(edit.body)
        # a public answer cannot replace a private placeholder: it goes to the channel, the placeholder away
        public = await rig.slash(ALICE, "studybot", "schedule", permissions=MANAGE_GUILD, time="08:00", timezone="UTC")
        token = public.path.split("/")[3]
        await rig.wait(lambda: rig.fake.of("DELETE", f"/webhooks/{rig.fake.app_id}/{token}/messages/@original"))
        [posted] = rig.posts()
        assert "Daily question at 08:00" in text_of(posted.body)
        # a button press is deferred silently, then its message edited
        quiz = await rig.slash(BOB, "quiz", count=1)
        qtoken = quiz.path.split("/")[3]
        await rig.wait(lambda: rig.fake.of("PATCH", f"/webhooks/{rig.fake.app_id}/{qtoken}/messages/@original"))
        card = rig.fake.response_message(qtoken)
        iid = await rig.fake.click(card, buttons_of(card)["A"], BOB, guild_id=A)
        deferred = await rig.callback(iid)
        assert deferred.body == {"type": 6}
        await rig.wait(lambda: rig.fake.of("PATCH", f"/webhooks/{rig.fake.app_id}/itoken-{iid}/messages/@original"))
        assert "You chose A." in text_of(rig.fake.messages[int(card["id"])])


async def test_failures_outside_the_core_are_logged_with_context_and_answered(rig: Rig) -> None:
    rig.expect_errors = True
    data = {"id": "1", "name": "retired", "type": 1}  # a command Discord still has but the bot no longer knows
    payload = rig.fake.interaction(2, data, A, A_CHANNEL, BOB, locale="pt-BR")
    await rig.fake.dispatch("INTERACTION_CREATE", payload)
    call = await rig.callback(int(payload["id"]))
    assert call.body["data"]["flags"] == EPHEMERAL
    assert "Algo deu errado" in text_of(call.body)  # the core's apology, in the member's language
    [error] = [r for r in rig.errors() if "interaction failed" in r.getMessage()]
    assert f"interaction={payload['id']}" in error.getMessage() and f"guild={A}" in error.getMessage()
    assert error.exc_info is not None
    # autocomplete for that command: an autocomplete result with no choices (type 8), never a message
    focused = {"type": 3, "name": "x", "value": "", "focused": True}
    data = {"id": "1", "name": "retired", "type": 1, "options": [focused]}
    payload = rig.fake.interaction(4, data, A, A_CHANNEL, BOB)
    await rig.fake.dispatch("INTERACTION_CREATE", payload)
    completion = await rig.callback(int(payload["id"]))
    assert completion.body == {"type": 8, "data": {"choices": []}}
    # a button from a DM that carries no route cannot be placed: the member hears it expired
    old = {"type": 1, "components": [{"type": 2, "style": 1, "label": "Old", "custom_id": "sb:grade:1:good"}]}
    dm_message = rig.fake.create_message(999, {"components": [old]})
    stale = await rig.callback(await rig.fake.click(dm_message, "sb:grade:1:good", BOB, guild_id=None))
    assert "This button has expired" in text_of(stale.body)


async def test_sharded_client_keeps_the_configured_gateway(database_url: str, clock: ManualClock) -> None:
    async with discord_rig(database_url, clock, discord_shards="auto") as rig:
        assert rig.fake.of("GET", "/gateway/bot")  # the shard count comes from Discord...
        assert rig.fake.identifies[0]["shard"] == [0, 1]  # ...the connection from DISCORD_GATEWAY_URL
        call = await rig.slash(BOB, "studybot", "help")
        assert "/studybot schedule" in text_of(call.body)


async def test_a_picture_is_attached_to_a_private_answer(rig: Rig) -> None:
    call = await rig.slash(BOB, "stats")
    assert call.body["type"] == 4 and call.body["data"].get("flags") == 64  # ephemeral: about one member
    [attachment] = call.body["data"]["attachments"]
    assert attachment["description"].startswith("Heatmap of")  # the picture's alt text
    [(filename, data)] = call.body["files"].items()
    assert data.startswith(b"\x89PNG") and filename.endswith(".png")
    [embed] = call.body["data"]["embeds"]
    assert embed["image"]["url"] == f"attachment://{filename}" and "stats" in embed["title"]


async def test_start_discord_gives_the_scheduler_a_port_and_a_closer(database_url: str, clock: ManualClock) -> None:
    fake = await FakeDiscord(guilds=guilds()).start()
    app = make_app(database_url, clock, discord_token=TOKEN, discord_api_base=fake.api_base,
                   discord_gateway_url=fake.gateway_url)
    try:
        port, close = await start_discord(app, app.settings, receive=False)  # posting only: studybot tick
        message_id = await port.post(ChannelRef("discord", str(A), str(A_CHANNEL)), Message(Kind.INFO, body="hi"))
        await close()
        assert fake.identifies == [] and not fake.of("PUT", "/applications/")
        assert message_id == last_post_id(fake)
        port, close = await start_discord(app, app.settings, guild_ready_timeout=0.05)  # studybot run
        assert len(fake.identifies) == 1 and port.platform == "discord"
        await close()
    finally:
        app.close()
        await fake.stop()


def last_post_id(fake: FakeDiscord) -> str:
    return fake.of("POST", f"/channels/{A_CHANNEL}/messages")[-1].result["id"]


EXAMPLES = {"time": "21:00", "timezone": "UTC", "text": "Falcons", "integer": 1, "user": ALICE, "emoji": "💡",
            "deck": "mlops-interview", "team": "Owls", "category": "cloud", "language": "en", "vacation": "7"}


async def test_every_command_of_the_registry_answers_through_discord(rig: Rig) -> None:
    """Every registry command, with valid values for its required options, reaches its handler and answers."""
    await rig.post_daily()
    await rig.slash(ALICE, "team", "create", name="Owls")
    seen = []
    for path, command in rig.app.core.registry.items():
        if command.handler is None or (len(path) == 1 and any(p[0] == path[0] and len(p) == 2
                                                              for p in rig.app.core.registry)):
            continue  # groups are not invocable on Discord; their subcommands are
        values = {p.name: (p.choices[0] if p.choices else EXAMPLES[p.kind]) for p in command.params if p.required}
        call = await rig.slash(ALICE, *path, permissions=MANAGE_GUILD, **values)
        shown = text_of(call.body)
        seen.append(path)
        assert call.body["type"] == 4 and shown, path
        assert "❌" not in shown and "⚠️" not in shown, (path, shown)
    assert len(seen) >= 20


async def test_quiz_grades_the_shuffled_order_each_member_saw(rig: Rig) -> None:
    """Each member's card lists the options in their own order; the letter showing the correct option is graded
    right and a wrong letter is graded wrong, naming the correct letter."""
    from tests.quiz_helpers import letters, shown_item

    catalog = rig.app.services.catalog
    for member in (BOB, CAROL):
        start = await rig.slash(member, "quiz", count=2)
        card = rig.response(int(start.path.split("/")[2]))
        _, item = shown_item(catalog, text_of(card))
        right, _ = letters(item, text_of(card))
        graded = await rig.callback(await rig.fake.click(card, buttons_of(card)[right], member, guild_id=A))
        assert f"You chose {right}." in text_of(graded.body) and "Correct!" in text_of(graded.body)
        card = rig.fake.messages[int(card["id"])]
        await rig.callback(await rig.fake.click(card, buttons_of(card)["Next question"], member, guild_id=A))
        card = rig.fake.messages[int(card["id"])]
        _, item2 = shown_item(catalog, text_of(card))
        right2, wrong2 = letters(item2, text_of(card))
        graded2 = await rig.callback(await rig.fake.click(card, buttons_of(card)[wrong2], member, guild_id=A))
        body = text_of(graded2.body)
        assert f"You chose {wrong2}." in body and f"Not quite: the answer is **{right2}. " in body, body
