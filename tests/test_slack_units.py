"""Slack translation and rendering on recorded payload shapes, and the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from adapters.slack.manifest import MANIFEST_FILE, manifest, manifest_yaml
from adapters.slack.render import BLOCK_LIMIT, SECTION_LIMIT, blocks, messages, split_text, to_mrkdwn
from adapters.slack.translate import action_event, command_event, reaction_event
from bot.cards import reveal_card
from bot.commands.registry import TOP_LEVEL
from bot.content.loader import load_deck
from bot.messages import Button, Field, Kind, Message

PAYLOADS = Path(__file__).parent / "payloads" / "slack"
ROOT = Path(__file__).resolve().parents[1]


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


def test_slash_command_translation() -> None:
    event = command_event(payload("slash_command.json"), is_admin=True)
    assert (event.name, event.text) == ("studybot", 'schedule 09:00 "Europe/Berlin" mon-fri')
    o = event.origin
    assert (o.platform, o.tenant_id, o.channel_id, o.user_id, o.user_name) == (
        "slack",
        "T0001",
        "C2147483705",
        "U2147483697",
        "Steve",
    )
    assert o.is_admin and o.event_id == "cmd:13345224609.738474920.8088930838d88f008e0"
    assert o.reply_handle.response_url == "https://hooks.slack.com/commands/1234/5678"


def test_reaction_translation() -> None:
    event = reaction_event(payload("reaction_added.json"))
    assert event is not None
    assert (event.message_id, event.emoji) == ("1360782400.498405", "eyes")
    assert (event.origin.tenant_id, event.origin.channel_id, event.origin.user_id, event.origin.event_id) == (
        "T0001",
        "C0G9QF9GZ",
        "U024BE7LH",
        "Ev0PV52K21",
    )
    assert reaction_event(payload("reaction_added_file.json")) is None


def test_block_action_translation() -> None:
    event = action_event(payload("block_actions.json"), is_admin=False)
    assert event is not None
    assert (event.action, event.message_id) == ("sb:answer:7:0:1", "1548261231.000200")
    assert event.origin.tenant_id == "T3MDE" and event.origin.user_id == "U0CA5"
    assert event.origin.reply_handle.ephemeral_source is True
    assert event.origin.event_id.startswith("act:12321423423.")


def test_markdown_to_mrkdwn() -> None:
    assert to_mrkdwn("**bold** and *italic* and `code`") == "*bold* and _italic_ and `code`"
    assert to_mrkdwn("- one\n- two") == "• one\n• two"
    assert to_mrkdwn("see [docs](https://example.com/a)") == "see <https://example.com/a|docs>"
    assert to_mrkdwn("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert to_mrkdwn("## Heading") == "*Heading*"


def test_long_text_is_split_into_sections_within_limits() -> None:
    body = "\n".join(f"- point {i}: " + "word " * 40 for i in range(800))
    message = Message(Kind.REVEAL, title="t", body=body, buttons=(Button("Go", "sb:x:1"),))
    parts = messages(message)
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= BLOCK_LIMIT
        for block in part:
            if block["type"] == "section" and "text" in block:
                assert len(block["text"]["text"]) <= SECTION_LIMIT
    assert parts[-1][-1]["type"] == "actions"
    rejoined = "\n".join(b["text"]["text"] for p in parts for b in p if b["type"] == "section")
    assert rejoined.count("point ") == 800


def test_split_text_handles_text_without_breaks() -> None:
    pieces = split_text("x" * 7000, 3000)
    assert [len(p) for p in pieces] == [3000, 3000, 1000]


def test_fields_and_buttons() -> None:
    message = Message(
        Kind.STATUS,
        title="Status",
        fields=(Field("Deck", "mlops"), Field("Long", "x\ny", False)),
        buttons=(Button("Reveal answer", "sb:reveal:1"),),
    )
    out = blocks(message)
    assert out[0] == {"type": "header", "text": {"type": "plain_text", "text": "Status", "emoji": True}}
    assert out[1]["fields"][0]["text"] == "*Deck*\nmlops"
    assert out[-1]["elements"][0]["value"] == "sb:reveal:1" and out[-1]["elements"][0]["action_id"] == "sb-0"


def test_every_mlops_answer_fits_one_section() -> None:
    deck, problems = load_deck(ROOT / "content" / "mlops-interview")
    assert deck is not None and not problems
    for question in deck.questions.values():
        for lang in ("pt-BR", "en"):
            side = question.text(lang)
            assert side is not None
            card = reveal_card(side, lang, 1)
            parts = messages(card)
            assert len(parts) == 1, question.id
            answer_sections = [b for b in parts[0] if b["type"] == "section" and "text" in b]
            assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in answer_sections)
            assert len(to_mrkdwn(side.answer)) <= SECTION_LIMIT, (question.id, lang)


def test_manifest_file_is_current_and_lists_every_command() -> None:
    assert MANIFEST_FILE.read_text() == manifest_yaml(), "run: studybot slack manifest > adapters/slack/manifest.yaml"
    data = yaml.safe_load(MANIFEST_FILE.read_text())
    assert [c["command"] for c in data["features"]["slash_commands"]] == [f"/{n}" for n in TOP_LEVEL]
    assert data["settings"]["socket_mode_enabled"] is True and data["settings"]["interactivity"]["is_enabled"]
    assert set(data["settings"]["event_subscriptions"]["bot_events"]) == {
        "reaction_added", "app_home_opened", "app_uninstalled", "tokens_revoked"
    }
    assert {"commands", "chat:write", "reactions:read", "users:read"} <= set(data["oauth_config"]["scopes"]["bot"])
    assert all(len(c["description"]) <= 100 for c in manifest()["features"]["slash_commands"])
