"""Neutral messages as Block Kit: Markdown to mrkdwn, sections within 3,000 characters, messages within 50 blocks."""

from __future__ import annotations

import re
from typing import Any

from bot.markdown import escapes, restore, unescape
from bot.messages import Message, Style

SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
FIELD_LIMIT = 2000
FALLBACK_LIMIT = 3000
ACTION_PREFIX = "sb-"

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC_STAR = re.compile(r"(?<![*\w])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![*\w])")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*]\s+", re.MULTILINE)


def escape(text: str) -> str:
    """Slack's three control characters; everything else is literal."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    """Markdown as Slack mrkdwn: ``**b**`` -> ``*b*``, ``*i*`` -> ``_i_``, links -> ``<url|text>``, bullets -> •.
    Escaped characters (member-supplied text) stay inert: mrkdwn has no escapes, so zero-width spaces break them."""
    markdown, escaped = escapes(markdown)
    text = escape(markdown)
    links: list[str] = []

    def keep_link(match: re.Match[str]) -> str:
        links.append(f"<{match.group(2)}|{match.group(1)}>")
        return f"\x00{len(links) - 1}\x00"

    text = _LINK.sub(keep_link, text)
    text = _HEADING.sub(r"**\1**", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    text = _ITALIC_STAR.sub(r"_\1_", text)
    text = _BOLD.sub(r"*\1*", text)
    text = re.sub("\x00(\\d+)\x00", lambda m: links[int(m.group(1))], text)
    return restore(text, escaped, _inert)


def _inert(char: str) -> str:
    """A character that mrkdwn would read as formatting (or ``://`` as a link), kept as text."""
    if char in "*_~`":
        return f"\u200b{char}\u200b"
    return ":\u200b" if char == ":" else escape(char)


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at line breaks, then spaces, then anywhere."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    if text:
        pieces.append(text)
    return pieces


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…", "emoji": True}


def blocks(message: Message) -> list[dict[str, Any]]:
    """All the blocks of ``message``, in order; ``messages()`` groups them 50 at a time."""
    out: list[dict[str, Any]] = []
    if message.context:
        out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": to_mrkdwn(message.context)}]})
    if message.title:
        if len(message.title) <= HEADER_LIMIT:
            out.append({"type": "header", "text": _plain(unescape(message.title), HEADER_LIMIT)})
        else:
            out.extend(_section(p) for p in split_text(f"*{escape(unescape(message.title))}*"))
    if message.body:
        out.extend(_section(p) for p in split_text(to_mrkdwn(message.body)))
    inline = [f for f in message.fields if f.inline and len(f.name) + len(f.value) < FIELD_LIMIT - 10]
    for start in range(0, len(inline), 10):
        out.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*{escape(f.name)}*\n{to_mrkdwn(f.value)}"}
                    for f in inline[start : start + 10]
                ],
            }
        )
    for field in message.fields:
        if field not in inline:
            out.extend(_section(p) for p in split_text(f"*{escape(field.name)}*\n{to_mrkdwn(field.value)}"))
    if message.footer:
        out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": to_mrkdwn(message.footer)[:3000]}]})
    if message.buttons:
        elements = []
        for i, button in enumerate(message.buttons[:25]):
            element: dict[str, Any] = {
                "type": "button",
                "action_id": f"{ACTION_PREFIX}{i}",
                "text": _plain(button.label, BUTTON_TEXT_LIMIT),
                "value": button.action,
            }
            if button.style != Style.DEFAULT:
                element["style"] = button.style.value
            elements.append(element)
        out.append({"type": "actions", "elements": elements})
    return out


def messages(message: Message) -> list[list[dict[str, Any]]]:
    """The blocks split into messages of at most 50 blocks; buttons stay with the last one."""
    all_blocks = blocks(message)
    return [all_blocks[i : i + BLOCK_LIMIT] for i in range(0, len(all_blocks), BLOCK_LIMIT)] or [[]]


def fallback_text(message: Message) -> str:
    """The notification text Slack shows where blocks cannot be (push notifications, screen readers)."""
    text = message.title or message.body or message.context or ""
    return escape(unescape(text))[:FALLBACK_LIMIT]
