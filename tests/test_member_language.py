"""Each member in their own language: replies to one member follow their choice or their platform's language when
the deck has it; public posts keep the channel's language. On the console, Slack (users.info) and Discord
(the interaction's locale)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.i18n import member_language
from bot.storage.models import User
from tests.conftest import Harness
from tests.dbcount import row_counts
from tests.slack_helpers import block_text
from tests.test_discord_e2e import A_CHANNEL, ALICE, BOB, MANAGE_GUILD, text_of
from tests.test_discord_e2e import Rig as DiscordRig
from tests.test_discord_e2e import rig as discord_rig  # noqa: F401 (a fixture)
from tests.test_slack_e2e import Rig as SlackRig
from tests.test_slack_e2e import post_daily
from tests.test_slack_e2e import rig as slack_rig  # noqa: F401 (a fixture)

BOTH = ("pt-BR", "en")


@pytest.mark.parametrize(
    ("override", "locale", "channel", "available", "expected"),
    [
        (None, "", "en", BOTH, "en"),  # nothing known: the channel's
        (None, "pt-BR", "en", BOTH, "pt-BR"),  # the platform's language
        (None, "pt-PT", "en", BOTH, "pt-BR"),  # any Portuguese reads the Brazilian deck
        (None, "en-GB", "pt-BR", BOTH, "en"),
        (None, "fr", "pt-BR", BOTH, "pt-BR"),  # a language the bot does not speak: the channel's
        (None, "pt-BR", "en", ("en",), "en"),  # a deck without Portuguese
        ("en", "pt-BR", "pt-BR", BOTH, "en"),  # the member's own choice wins
        ("pt-BR", "en-US", "en", ("en",), "en"),  # ...when the deck has it
    ],
)
def test_member_language(override: str | None, locale: str, channel: str, available: tuple[str, ...],
                         expected: str) -> None:
    assert member_language(override, locale, channel, available) == expected


# ---- console: the override ----


async def test_mylanguage_changes_replies_to_that_member_only(harness: Harness) -> None:
    await harness.run("/studybot schedule 09:00 UTC daily")
    out = await harness.run(":as bob", "/studybot mylanguage pt")
    assert "A partir de agora respondo a você em português." in out
    out = await harness.run("/streak")
    assert "Sequência de bob" in out
    out = await harness.run("/studybot frobnicate")  # errors too
    assert "`frobnicate` não é um subcomando de `/studybot`." in out
    assert "carol's streak" in await harness.run(":as carol", "/streak")  # others keep the channel's language
    out = await harness.run(":as alice", "/studybot post")
    assert "Question of the day" in out  # public posts keep the channel's language
    out = await harness.run(":as bob", ":react 👀")
    assert "Resposta-modelo" in out and "Model answer" not in out
    out = await harness.run("/studybot mylanguage auto")
    assert "From now on I reply to you in your Slack or Discord language" in out
    with harness.app.db.transaction() as s:
        assert s.exec(select(User.language).where(User.external_id == "bob")).one() is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/studybot mylanguage fr", "`fr` is not a language choice: use pt, en or auto."),
        ("/studybot mylanguage", "Missing pt, en or auto."),
        ("/studybot mylanguage pt en", "Too many arguments: `en`"),
    ],
)
async def test_mylanguage_bad_input_changes_nothing(harness: Harness, line: str, expected: str) -> None:
    await harness.run(":as bob", "/streak")
    before = row_counts(harness.app.db)
    out = await harness.run(line)
    assert expected in out and "/studybot mylanguage pt" in out
    assert row_counts(harness.app.db) == before


async def test_a_deck_without_the_language_keeps_the_channels(harness: Harness) -> None:
    await harness.run("/studybot deck starter")
    out = await harness.run(":as bob", "/studybot mylanguage pt")
    deck = harness.app.services.catalog.get("starter")
    assert deck is not None
    if "pt-BR" in deck.info.languages:
        assert "português" in out
    else:
        assert "has no `pt` version" in out


# ---- Slack: users.info with include_locale ----


async def test_slack_reveal_follows_the_members_slack_language(slack_rig: SlackRig) -> None:  # noqa: F811
    rig = slack_rig
    rig.fake.locales["U2"] = "pt-BR"
    ts = await post_daily(rig)
    posted = rig.fake.of("chat.postMessage")[-1]
    assert "Question of the day" in block_text(posted.args["blocks"])  # the channel's language
    reply = await rig.run_command("/streak", user="U2")  # a command asks users.info: the member's language
    assert "Sequência" in block_text(reply["blocks"])
    await rig.slack.react(ts, user="U2")  # a reaction asks nothing: the language stored from that command
    await rig.fake.wait_for(lambda: rig.fake.of("chat.postEphemeral"))
    reveal = rig.fake.of("chat.postEphemeral")[0]
    assert reveal.args["user"] == "U2"
    assert "Model answer" not in block_text(reveal.args["blocks"])
    assert "Resposta-modelo" in block_text(reveal.args["blocks"])
    assert all(c.args.get("include_locale") in (True, "true", "1", 1) for c in rig.fake.of("users.info"))
    reply = await rig.run_command("/streak", user="U3")  # Slack says en-US
    assert "u3's streak" in block_text(reply["blocks"])
    reply = await rig.run_command("/studybot mylanguage en", user="U2")
    assert "in English" in block_text(reply["blocks"])
    reply = await rig.run_command("/streak", user="U2")
    assert "u2's streak" in block_text(reply["blocks"])


# ---- Discord: the interaction's locale ----


async def test_discord_replies_follow_the_interactions_locale(discord_rig: DiscordRig) -> None:  # noqa: F811
    rig = discord_rig
    mine = await rig.slash(BOB, "streak", locale="pt-BR")
    assert "Sequência de" in text_of(mine.body)
    theirs = await rig.slash(ALICE, "streak", locale="en-US")
    assert "streak" in text_of(theirs.body) and "Sequência" not in text_of(theirs.body)
    post = await rig.slash(ALICE, "studybot", "post", permissions=MANAGE_GUILD, locale="pt-BR")
    assert "Pergunta de hoje postada" in text_of(post.body)  # the reply to alice alone: in her language
    assert "Question of the day" in str(rig.posts(A_CHANNEL)[-1].body)  # the post: the channel's
    await rig.slash(BOB, "studybot", "mylanguage", language="en", locale="pt-BR")
    chosen = await rig.slash(BOB, "streak", locale="pt-BR")
    assert "Sequência" not in text_of(chosen.body)
