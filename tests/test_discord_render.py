"""Rendering the core's messages as Discord embeds and components, within Discord's limits."""

from __future__ import annotations

import discord
import pytest

from adapters.discord.buttons import CoreButton, make_view
from adapters.discord.render import render, size, split_text, thread_name
from adapters.discord.translate import Route
from bot.messages import Button, Field, Kind, Message, Style
from fakes.discord_fake import message_problems

QUESTION = Message(
    Kind.QUESTION,
    context="MLOps interviews · Cloud · medium",
    title="📚 Question of the day · 2026-03-02",
    body="**What is a feature store, and when is it worth it?**",
    footer="React with 👀 to see the answer privately · day 1",
    buttons=(Button("Reveal answer", "sb:reveal:1", Style.PRIMARY), Button("Quiz me", "sb:quizme:1")),
)
pytestmark = pytest.mark.timeout(10)


def dicts(message: Message, **kwargs) -> list[list[dict]]:
    return [[e.to_dict() for e in part.embeds] for part in render(message, **kwargs)]


def accepted(message: Message, **kwargs) -> None:
    """Discord would accept every part (the fake applies Discord's documented limits)."""
    for part in dicts(message, **kwargs):
        assert message_problems({"embeds": part}, new=True) == []


def visible(parts: list[list[dict]]) -> str:
    out = []
    for part in parts:
        for e in part:
            out += [e.get("description", "")] + [f["value"] for f in e.get("fields", [])]
    return "".join(out)


def test_a_question_card_is_one_embed_with_markdown_kept() -> None:
    [part] = render(QUESTION)
    [embed] = [e.to_dict() for e in part.embeds]
    assert embed["title"] == QUESTION.title and embed["description"] == QUESTION.body
    assert embed["author"]["name"] == QUESTION.context and embed["footer"]["text"] == QUESTION.footer
    assert embed["color"] == 0x5865F2
    assert part.buttons == QUESTION.buttons


def test_fields_keep_their_layout() -> None:
    message = Message(Kind.STATUS, title="⚙️ studybot", fields=(Field("Deck", "mlops"), Field("Days", "x", False)))
    [[embed]] = dicts(message)
    assert [(f["name"], f["value"], f["inline"]) for f in embed["fields"]] == [("Deck", "mlops", True),
                                                                              ("Days", "x", False)]


def test_a_long_body_is_split_into_embeds_and_messages_within_limits() -> None:
    paragraph = "A sentence that goes on for a while, with `code` and **bold**. " * 12
    body = "\n\n".join(f"{i}. {paragraph}" for i in range(40))  # about 30,000 characters
    message = Message(Kind.HELP, title="📖 Help", body=body, footer="the end", buttons=(Button("Next", "sb:next:1:2"),))
    parts = render(message)
    assert len(parts) >= 5
    accepted(message)
    assert all(not p.buttons for p in parts[:-1]) and parts[-1].buttons == message.buttons
    assert parts[-1].embeds[-1].footer.text == "the end" and parts[0].embeds[0].title == "📖 Help"
    assert visible(dicts(message)).replace("\n", "").replace(" ", "") == body.replace("\n", "").replace(" ", "")


def test_splits_fall_on_paragraphs_then_lines_then_words() -> None:
    text = ("word " * 300).strip() + "\n\n" + ("other " * 300).strip()
    chunks = split_text(text, 2000)
    assert chunks[0] == ("word " * 300).strip()
    assert all(size(c) <= 2000 for c in chunks)
    assert " ".join(chunks).split() == text.split()


def test_sizes_count_utf16_like_discord() -> None:
    text = "📚" * 3000  # 3,000 characters, 6,000 UTF-16 code units
    chunks = split_text(text, 4096)
    assert all(size(c) <= 4096 for c in chunks) and "".join(chunks) == text
    accepted(Message(Kind.INFO, title="📚" * 200, body=text))


def test_a_code_block_cut_in_two_is_closed_and_reopened() -> None:
    code = "```python\n" + "\n".join(f"value_{i} = compute({i})" for i in range(400)) + "\n```"
    chunks = split_text(code, 4096)
    assert len(chunks) > 1 and all(c.count("```") % 2 == 0 for c in chunks)
    assert all(size(c) <= 4096 for c in chunks)


def test_long_field_values_continue_in_unnamed_fields_and_many_fields_spill_over() -> None:
    long = Field("What it assesses", "Whether it fits. " * 180, inline=True)
    many = tuple(Field(f"Member {i}", f"{i} pts") for i in range(60))
    message = Message(Kind.LEADERBOARD, title="🏆", fields=(long, *many))
    accepted(message)
    embeds = [e for part in dicts(message) for e in part]
    first = embeds[0]["fields"]
    assert first[0]["name"] == "What it assesses" and first[1]["name"] == "\u200b"
    assert not first[0]["inline"]  # a value split over several fields is not laid out in columns
    assert sum(len(e.get("fields", [])) for e in embeds) == 60 + len(split_text(long.value, 1024))


def test_a_title_over_256_moves_into_the_description() -> None:
    title = "💡 Model answer: " + "why " * 100
    [[embed]] = dicts(Message(Kind.REVEAL, title=title, body="Because."))
    assert "title" not in embed and embed["description"].startswith(f"**{title}**")


def test_spoilers_hide_every_description_chunk_and_field_value() -> None:
    message = Message(Kind.REVEAL, title="💡 Answer", body="secret " * 1500, fields=(Field("Why", "also secret"),))
    parts = dicts(message, spoiler=True)
    accepted(message, spoiler=True)
    for part in parts:
        for embed in part:
            for text in [embed.get("description")] + [f["value"] for f in embed.get("fields", [])]:
                if text:
                    assert text.startswith("||") and text.endswith("||")


def test_an_empty_message_is_still_a_valid_embed() -> None:
    accepted(Message(Kind.INFO))
    accepted(Message(Kind.INFO, fields=(Field("", ""),)))


def test_thread_names_fit_discord() -> None:
    assert thread_name(Message(Kind.REVEAL, title="💡 " + "x" * 300)).endswith("…")
    assert 1 <= len(thread_name(Message(Kind.REVEAL, title="💡 " + "x" * 300))) <= 100
    assert thread_name(Message(Kind.INFO, body="first line\nsecond")) == "first line"


async def test_buttons_become_persistent_components_with_the_cores_actions() -> None:
    view = make_view(QUESTION.buttons)
    assert view is not None and view.timeout is None and view.is_persistent()
    [row] = view.to_components()
    assert [(b["label"], b["custom_id"], b["style"]) for b in row["components"]] == [
        ("Reveal answer", "sb:reveal:1", discord.ButtonStyle.primary.value),
        ("Quiz me", "sb:quizme:1", discord.ButtonStyle.secondary.value),
    ]
    assert all(isinstance(item, CoreButton) for item in view.children)
    routed = make_view((Button("I knew it " * 20, "sb:grade:1:good", Style.DANGER),), Route("111", "211"))
    assert routed is not None
    [[button]] = [row["components"] for row in routed.to_components()]
    assert button["custom_id"] == "sb:grade:1:good|111.211" and len(button["label"]) <= 80
    assert button["style"] == discord.ButtonStyle.danger.value
    assert make_view(()) is None
