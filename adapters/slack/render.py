"""Neutral messages as Block Kit: Markdown to mrkdwn, sections within 3,000 characters, messages within 50 blocks.

Every limit is checked on the final text, after escaping and conversion to mrkdwn, and text is only ever cut
between entities (``&amp;``) and links (``<url|text>``), never inside one.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.markdown import escapes, restore, unescape
from bot.messages import Message, Style

SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
FIELD_LIMIT = 2000
CONTEXT_LIMIT = 3000
BUTTON_VALUE_LIMIT = 2000
BUTTONS_PER_BLOCK = 25
FIELDS_PER_SECTION = 10
FALLBACK_LIMIT = 3000
ACTION_PREFIX = "sb-"
#: What an empty message shows: Slack refuses a message with neither blocks nor text.
EMPTY = "…"

log = logging.getLogger(__name__)

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC_STAR = re.compile(r"(?<![*\w])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![*\w])")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*]\s+", re.MULTILINE)
_CODE = re.compile(r"`([^`\n]+)`")


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


def safe_cut(text: str, cut: int) -> int:
    """``cut``, moved back so that it falls outside any ``&...;`` entity and any ``<...>`` link."""
    amp = text.rfind("&", max(0, cut - 5), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    opening = text.rfind("<", 0, cut)
    if opening != -1 and text.rfind(">", opening, cut) == -1 and opening > 0:
        cut = opening
    return cut


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Non-empty pieces of at most ``limit`` characters, cut at line breaks, then spaces, then anywhere outside an
    entity or link."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        cut = safe_cut(text, cut if cut > 0 else limit)  # a space may be inside a link's text
        if cut <= 0:  # one link longer than the limit: nothing better to do
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    pieces.append(text)
    return [piece for piece in pieces if piece.strip()]


def truncate(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, ending in … when cut, never inside an entity or link."""
    if len(text) <= limit:
        return text
    return text[: safe_cut(text, limit - 1)].rstrip() + "…"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…", "emoji": True}


def _context(markdown: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(to_mrkdwn(markdown), CONTEXT_LIMIT)}]}


def _field_text(name: str, value: str) -> str:
    return f"*{escape(name)}*\n{to_mrkdwn(value)}" if name.strip() else to_mrkdwn(value)


def _buttons(message: Message) -> list[dict[str, Any]]:
    elements = []
    for i, button in enumerate(message.buttons):
        if len(button.action) > BUTTON_VALUE_LIMIT or not button.label.strip():
            log.error("button left out: no label, or a value over 2,000 chars", extra={"chars": len(button.action)})
            continue
        element: dict[str, Any] = {
            "type": "button",
            "action_id": f"{ACTION_PREFIX}{i}",
            "text": _plain(button.label, BUTTON_TEXT_LIMIT),
            "value": button.action,
        }
        if button.style != Style.DEFAULT:
            element["style"] = button.style.value
        elements.append(element)
    return [
        {"type": "actions", "elements": elements[start : start + BUTTONS_PER_BLOCK]}
        for start in range(0, len(elements), BUTTONS_PER_BLOCK)
    ]


def blocks(message: Message) -> list[dict[str, Any]]:
    """All the blocks of ``message``, in order; ``messages()`` groups them 50 at a time. Never empty."""
    out: list[dict[str, Any]] = []
    if message.context and message.context.strip():
        out.append(_context(message.context))
    if message.title and message.title.strip():
        if len(message.title) <= HEADER_LIMIT:
            out.append({"type": "header", "text": _plain(unescape(message.title), HEADER_LIMIT)})
        else:
            out.extend(_section(p) for p in split_text(f"*{escape(unescape(message.title))}*"))
    if message.body:
        out.extend(_section(p) for p in split_text(to_mrkdwn(message.body)))
    texts = [(field, _field_text(field.name, field.value)) for field in message.fields]
    inline = [text for field, text in texts if field.inline and 0 < len(text) <= FIELD_LIMIT and text.strip()]
    for start in range(0, len(inline), FIELDS_PER_SECTION):
        chunk = inline[start : start + FIELDS_PER_SECTION]
        out.append({"type": "section", "fields": [{"type": "mrkdwn", "text": text} for text in chunk]})
    for field, text in texts:
        if not (field.inline and text in inline):
            out.extend(_section(p) for p in split_text(text))
    if message.footer and message.footer.strip():
        out.append(_context(message.footer))
    out.extend(_buttons(message))
    return out or [_section(EMPTY)]


def messages(message: Message) -> list[list[dict[str, Any]]]:
    """The blocks split into messages of at most 50 blocks; buttons stay with the last one."""
    all_blocks = blocks(message)
    return [all_blocks[i : i + BLOCK_LIMIT] for i in range(0, len(all_blocks), BLOCK_LIMIT)]


def to_plain(markdown: str) -> str:
    """Markdown as plain text with Slack's escaping: no ``**``, ``*``, backticks or link syntax left; escaped
    characters (member-supplied text) as typed."""
    markdown, escaped = escapes(markdown)
    text = _LINK.sub(lambda m: m.group(1), markdown)
    text = _HEADING.sub(r"\1", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC_STAR.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    return escape(restore(" ".join(text.split()), escaped))


def fallback_text(message: Message) -> str:
    """The notification text Slack shows where blocks cannot be (push notifications, screen readers): plain text,
    never empty, never cut inside an entity."""
    for part in (message.title, message.body, message.context, message.footer):
        if part and part.strip():
            return truncate(to_plain(part), FALLBACK_LIMIT)
    return EMPTY
