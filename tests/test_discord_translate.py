"""Translation of Discord payload shapes into the core's events and command text (pure functions)."""

from __future__ import annotations

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.discord.translate import (
    Route,
    command_text,
    custom_id,
    emoji_text,
    is_admin,
    language_of_locale,
    parse_custom_id,
    quote,
    reaction_event,
)
from bot.commands.args import split_arguments
from bot.commands.parsing import normalise_emoji
from bot.commands.registry import build_registry

pytestmark = pytest.mark.timeout(30)
REGISTRY = build_registry()
BOT = 900000000000000001

# `data` of chat-input interactions as Discord sends them (options in the order the member filled them in).
SCHEDULE = {
    "id": "1300000000000000006", "name": "studybot", "type": 1,
    "options": [{"type": 1, "name": "schedule", "options": [
        {"type": 3, "name": "days", "value": "mon,wed,fri"},
        {"type": 3, "name": "timezone", "value": "Europe/Berlin"},
        {"type": 3, "name": "time", "value": "09:00"},
    ]}],
}
TEAM_CREATE = {
    "id": "1300000000000000005", "name": "team", "type": 1, "guild_id": "111000000000000001",
    "options": [{"type": 1, "name": "create", "options": [{"type": 3, "name": "name", "value": "Night Owls"}]}],
}
STREAK = {
    "id": "1300000000000000001", "name": "streak", "type": 1,
    "options": [{"type": 6, "name": "user", "value": "312000000000000002"}],
    "resolved": {"users": {"312000000000000002": {"id": "312000000000000002", "username": "bob"}}},
}
QUIZ = {"id": "1300000000000000000", "name": "quiz", "type": 1, "options": [{"type": 4, "name": "count", "value": 3}]}
TEAM_LIST = {"id": "1300000000000000005", "name": "team", "type": 1, "options": [{"type": 1, "name": "list"}]}
REACTION = {
    "user_id": "312000000000000002", "type": 0, "message_id": "1300000000000000010",
    "message_author_id": str(BOT), "member": None, "emoji": {"name": "👀", "id": None},
    "channel_id": "211000000000000001", "burst": False, "guild_id": "111000000000000001",
}


def test_options_become_the_command_text_in_the_registrys_order() -> None:
    assert command_text(SCHEDULE, REGISTRY) == ("studybot", "schedule 09:00 Europe/Berlin mon,wed,fri")
    assert command_text(TEAM_CREATE, REGISTRY) == ("team", 'create "Night Owls"')
    assert command_text(STREAK, REGISTRY) == ("streak", "<@312000000000000002>")
    assert command_text(QUIZ, REGISTRY) == ("quiz", "3")
    assert command_text(TEAM_LIST, REGISTRY) == ("team", "list")
    assert command_text({"name": "leaderboard", "type": 1}, REGISTRY) == ("leaderboard", "")


def test_options_the_registry_does_not_know_still_reach_the_core() -> None:
    stale = {"name": "quiz", "type": 1, "options": [{"type": 3, "name": "topic", "value": "cloud"},
                                                   {"type": 4, "name": "count", "value": 2}]}
    assert command_text(stale, REGISTRY) == ("quiz", "2 cloud")  # the core then names the extra argument


def test_command_text_splits_back_into_the_values() -> None:
    _name, text = command_text(TEAM_CREATE, REGISTRY)
    assert split_arguments(text) == ["create", "Night Owls"]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60))
def test_a_quoted_value_is_one_token_for_the_core(value: str) -> None:
    typographic = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
    assert split_arguments(quote(value)) == [value.translate(typographic)]


def test_quote_leaves_plain_words_alone() -> None:
    assert quote("Europe/Berlin") == "Europe/Berlin"
    assert quote("<:idea:555>") == "<:idea:555>"
    assert quote("Night Owls") == '"Night Owls"'
    assert quote('say "hi"') == '"say \\"hi\\""'


def test_custom_ids_carry_the_action_and_an_optional_route() -> None:
    assert custom_id("sb:reveal:12") == "sb:reveal:12"
    assert parse_custom_id("sb:reveal:12") == ("sb:reveal:12", None)
    routed = custom_id("sb:grade:12:good", Route("111", "211"))
    assert routed == "sb:grade:12:good|111.211"
    assert parse_custom_id(routed) == ("sb:grade:12:good", Route("111", "211"))
    in_thread = custom_id("sb:grade:12:good", Route("111000000000000001", "211000000000000001", thread=True))
    assert len(in_thread) <= 100
    assert parse_custom_id(in_thread) == ("sb:grade:12:good", Route("111000000000000001", "211000000000000001", True))
    assert parse_custom_id("someone-elses-button") is None
    assert parse_custom_id("sb:grade:1|not-a-route") is None


def test_an_action_too_long_for_discord_is_refused_not_cut() -> None:
    try:
        custom_id("sb:" + "x" * 100)
    except ValueError:
        return
    raise AssertionError("a custom id over 100 characters was accepted")


def test_emoji_as_the_core_compares_them() -> None:
    assert emoji_text("👀", None) == "👀"
    assert emoji_text("idea", 555000000000000009) == "<:idea:555000000000000009>"
    assert emoji_text("party", 1, animated=True) == "<a:party:1>"
    assert normalise_emoji(emoji_text("idea", 555)) == normalise_emoji(":idea:")


def _raw(payload: dict) -> discord.RawReactionActionEvent:
    return discord.RawReactionActionEvent(payload, discord.PartialEmoji.from_dict(payload["emoji"]), "REACTION_ADD")


def test_a_reaction_becomes_reaction_added_with_a_dedup_key() -> None:
    event = reaction_event(_raw(REACTION), bot_user_id=BOT, channel_name="general", tenant_name="Study A")
    assert event is not None
    assert (event.message_id, event.emoji) == ("1300000000000000010", "👀")
    origin = event.origin
    assert (origin.platform, origin.tenant_id, origin.channel_id, origin.user_id) == (
        "discord", "111000000000000001", "211000000000000001", "312000000000000002")
    assert origin.event_id == "reaction:1300000000000000010:312000000000000002:👀"
    assert origin.is_admin is False and origin.channel_name == "general"
    custom = _raw({**REACTION, "emoji": {"name": "idea", "id": "555", "animated": False}})
    assert reaction_event(custom, bot_user_id=BOT).emoji == "<:idea:555>"  # type: ignore[union-attr]


def test_reactions_outside_a_server_by_the_bot_or_on_others_messages_are_dropped() -> None:
    assert reaction_event(_raw({k: v for k, v in REACTION.items() if k != "guild_id"}), bot_user_id=BOT) is None
    assert reaction_event(_raw({**REACTION, "user_id": str(BOT)}), bot_user_id=BOT) is None
    assert reaction_event(_raw({**REACTION, "message_author_id": "313"}), bot_user_id=BOT) is None
    assert reaction_event(_raw({k: v for k, v in REACTION.items() if k != "message_author_id"}),
                          bot_user_id=BOT) is not None  # older payloads lack the author: the core decides


def test_manage_server_or_administrator_make_an_admin() -> None:
    assert is_admin(1 << 5) and is_admin(1 << 3) and is_admin((1 << 5) | (1 << 11))
    assert not is_admin((1 << 11) | (1 << 10) | (1 << 13))


def test_the_members_locale_picks_the_language_of_adapter_answers() -> None:
    assert language_of_locale("pt-BR") == "pt-BR"
    assert language_of_locale("en-US") == "en" and language_of_locale("de") == "en"
