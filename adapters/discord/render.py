"""The core's neutral messages as Discord embeds, split to fit Discord's limits. Markdown stays as it is.

One ``Message`` becomes one or more ``Part``s, each one Discord message of at most 10 embeds and 6,000
characters. Long bodies and field values are split at paragraph, line or word boundaries; a code block cut in
two is closed and reopened. Buttons go on the last part. Lengths are counted in UTF-16 code units, as Discord
counts them, so an emoji never tips a message over a limit.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.markdown import unescape
from bot.messages import Button, Field, Kind, Message

TITLE_LIMIT = 256
AUTHOR_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_PER_EMBED = 25
FOOTER_LIMIT = 2048
EMBEDS_PER_MESSAGE = 10
MESSAGE_TOTAL_LIMIT = 6000
BUTTONS_PER_MESSAGE = 25
BUTTON_LABEL_LIMIT = 80

BLANK = "\u200b"  # Discord refuses empty field names and values
SPOILER = "||"
_FENCE = "```"

COLOURS: dict[Kind, int] = {
    Kind.QUESTION: 0x5865F2,
    Kind.REVEAL: 0xFEE75C,
    Kind.QUIZ: 0x3498DB,
    Kind.QUIZ_RESULT: 0x57F287,
    Kind.LEADERBOARD: 0xF1C40F,
    Kind.STREAK: 0xE67E22,
    Kind.TEAM: 0x1ABC9C,
    Kind.HELP: 0x99AAB5,
    Kind.STATUS: 0x99AAB5,
    Kind.INFO: 0x99AAB5,
    Kind.SUCCESS: 0x57F287,
    Kind.ERROR: 0xED4245,
}


@dataclass(frozen=True)
class Part:
    """One Discord message: its embeds, and the core's buttons (on the last part of a message only)."""

    embeds: tuple[discord.Embed, ...]
    buttons: tuple[Button, ...] = ()


def size(text: str) -> int:
    """Length as Discord counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """The longest prefix of ``text`` (in characters) whose size is at most ``limit``."""
    total = 0
    for index, char in enumerate(text):
        total += 2 if ord(char) > 0xFFFF else 1
        if total > limit:
            return index
    return len(text)


def shorten(text: str, limit: int) -> str:
    if size(text) <= limit:
        return text
    return text[: _fit(text, limit - 1)].rstrip() + "…"


def split_text(text: str, limit: int) -> list[str]:
    """Chunks of at most ``limit``, cut at a blank line, a line end or a space when one is in the second half."""
    chunks: list[str] = []
    rest = text.strip("\n")
    while size(rest) > limit:
        room = _fit(rest, limit - len(_FENCE) - 1)  # room to close a code block cut in two
        window = rest[:room]
        cut = next(
            (at for at in (window.rfind("\n\n"), window.rfind("\n"), window.rfind(" ")) if at > room // 2), room
        )
        chunk, rest = window[:cut].rstrip(), rest[cut:].lstrip("\n")
        if rest.startswith(" "):
            rest = rest[1:]
        if chunk.count(_FENCE) % 2:
            chunk += "\n" + _FENCE
            rest = _FENCE + "\n" + rest
        if chunk.strip():
            chunks.append(chunk)
    if rest or not chunks:
        chunks.append(rest)
    return chunks


def _embed_size(embed: discord.Embed) -> int:
    total = size(embed.title or "") + size(embed.description or "") + size(embed.author.name or "")
    total += size(embed.footer.text or "")
    return total + sum(size(f.name or "") + size(f.value or "") for f in embed.fields)


def _wrap(text: str, spoiler: bool) -> str:
    return f"{SPOILER}{text}{SPOILER}" if spoiler and text.strip() else text


def _field_pieces(field: Field, spoiler: bool) -> list[tuple[str, str, bool]]:
    name = shorten(field.name, FIELD_NAME_LIMIT) or BLANK
    reserve = 2 * len(SPOILER) if spoiler else 0
    values = split_text(field.value, FIELD_VALUE_LIMIT - reserve) if field.value.strip() else [BLANK]
    inline = field.inline and len(values) == 1
    return [(name if i == 0 else BLANK, _wrap(v, spoiler) or BLANK, inline) for i, v in enumerate(values)]


def embeds(message: Message, *, spoiler: bool = False) -> list[discord.Embed]:
    """The embeds of ``message``, each within Discord's per-embed limits; ``spoiler`` hides body and field values
    (for answers posted where others can see them)."""
    colour = COLOURS.get(message.kind, COLOURS[Kind.INFO])
    body = message.body
    title = message.title
    if title and size(title) > TITLE_LIMIT:
        body, title = f"**{title}**\n\n{body}".strip(), None
    context = message.context
    if context and size(context) > AUTHOR_LIMIT:
        body, context = f"_{context}_\n\n{body}".strip(), None
    reserve = 2 * len(SPOILER) if spoiler else 0
    chunks = split_text(body, DESCRIPTION_LIMIT - reserve) if body.strip() else []
    out = [discord.Embed(colour=colour, description=_wrap(chunk, spoiler)) for chunk in chunks]
    if not out:
        out.append(discord.Embed(colour=colour))
    if title:
        out[0].title = title
    if context:
        out[0].set_author(name=unescape(context))
    for field in message.fields:
        for name, value, inline in _field_pieces(field, spoiler):
            last = out[-1]
            added = size(name) + size(value)
            if len(last.fields) >= FIELDS_PER_EMBED or _embed_size(last) + added > MESSAGE_TOTAL_LIMIT:
                last = discord.Embed(colour=colour)
                out.append(last)
            last.add_field(name=name, value=value, inline=inline)
    if message.footer:
        footer = shorten(unescape(message.footer), FOOTER_LIMIT)  # plain text on Discord: no escapes
        if _embed_size(out[-1]) + size(footer) > MESSAGE_TOTAL_LIMIT:
            out.append(discord.Embed(colour=colour))
        out[-1].set_footer(text=footer)
    if len(out) == 1 and not _embed_size(out[0]):
        out[0].description = BLANK
    return out


def render(message: Message, *, spoiler: bool = False) -> list[Part]:
    """``message`` as Discord messages: embeds grouped so no message passes 10 embeds or 6,000 characters."""
    parts: list[list[discord.Embed]] = [[]]
    total = 0
    for embed in embeds(message, spoiler=spoiler):
        grow = _embed_size(embed)
        if parts[-1] and (len(parts[-1]) >= EMBEDS_PER_MESSAGE or total + grow > MESSAGE_TOTAL_LIMIT):
            parts.append([])
            total = 0
        parts[-1].append(embed)
        total += grow
    buttons = message.buttons[:BUTTONS_PER_MESSAGE]
    return [Part(tuple(group), buttons if i == len(parts) - 1 else ()) for i, group in enumerate(parts)]


def thread_name(message: Message) -> str:
    """A thread's name (1 to 100 characters) from the message that opens it."""
    text = unescape(message.title or message.plain_text() or "📚").strip().splitlines()[0]
    return shorten(text, 100) or "📚"
