"""Neutral messages as terminal output: rich panels on a terminal, plain text when piped.

On a terminal every line of a message stays its own line (quiz options, leaderboard rows, help entries) and long
lines wrap inside the panel at any width: texts are styled line by line (bold, italic, code, links) rather than
given to a Markdown renderer, which would join single newlines into one paragraph.
"""

from __future__ import annotations

import re

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from bot.markdown import escapes, restore
from bot.messages import Kind, Message

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)]+)\)")
_INLINE = re.compile(
    r"\*\*(?P<bold>.+?)\*\*"
    r"|`(?P<code>[^`]+)`"
    r"|\[(?P<label>[^\]]+)\]\((?P<url>https?://[^)]+)\)"
    r"|(?<![\w*])[*_](?!\s)(?P<italic>.+?)(?<!\s)[*_](?![\w*])"
)

BORDER = {
    Kind.ERROR: "red",
    Kind.QUESTION: "cyan",
    Kind.REVEAL: "green",
    Kind.QUIZ: "magenta",
    Kind.QUIZ_RESULT: "magenta",
    Kind.LEADERBOARD: "yellow",
    Kind.SUCCESS: "green",
}


def plain_markdown(text: str) -> str:
    """Markdown without its markers, for plain text output (escaped characters shown as typed)."""
    text, escaped = escapes(text)
    text = _LINK.sub(r"\1 (\2)", text)
    text = _BOLD.sub(r"\1", text)
    return restore(_ITALIC.sub(r"\1", text), escaped)


def shorten(text: str, limit: int | None) -> str:
    """Cut long texts (the demo shows the start of each answer)."""
    if limit is None or len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def styled(text: str, style: str = "") -> Text:
    """Markdown-ish ``text`` as rich Text, newlines kept: **bold**, *italic*/_italic_, `code`, [label](url).
    Escaped characters (member-supplied text) are shown as typed, never as formatting."""
    text, escaped = escapes(text)

    def typed(part: str) -> str:
        return restore(part, escaped)

    out = Text(style=style)
    for line_no, line in enumerate(text.split("\n")):
        if line_no:
            out.append("\n")
        if line.startswith("- "):
            line = "• " + line[2:]
        pos = 0
        for match in _INLINE.finditer(line):
            out.append(typed(line[pos : match.start()]))
            if match.group("bold") is not None:
                out.append(typed(match.group("bold")), style="bold")
            elif match.group("code") is not None:
                out.append(typed(match.group("code")), style="bold cyan")
            elif match.group("label") is not None:
                out.append(typed(match.group("label")), style=f"underline link {typed(match.group('url'))}")
            else:
                out.append(typed(match.group("italic")), style="italic")
            pos = match.end()
        out.append(typed(line[pos:]))
    return out


def as_plain(message: Message, *, private: bool, body_limit: int | None = None) -> str:
    body_limit = body_limit if message.kind == Kind.REVEAL else None
    lines: list[str] = []
    if private:
        lines.append("(only you can see this)")
    if message.context:
        lines.append(plain_markdown(message.context))
    if message.title:
        lines.append(plain_markdown(message.title))
    if message.body:
        lines.append(plain_markdown(shorten(message.body, body_limit)))
    for field in message.fields:
        value = plain_markdown(shorten(field.value, body_limit))
        lines.append(f"{field.name}:" + (f"\n{value}" if "\n" in value else f" {value}"))
    if message.footer:
        lines.append(plain_markdown(message.footer))
    if message.buttons:
        lines.append("  ".join(f"[{i}] {b.label}" for i, b in enumerate(message.buttons, 1)))
    return "\n".join(lines)


def print_message(
    console: Console,
    author: str,
    message: Message,
    *,
    private: bool,
    edited: bool = False,
    body_limit: int | None = None,
) -> None:
    header = f"{author}{' (edited)' if edited else ''}"
    body_limit = body_limit if message.kind == Kind.REVEAL else None
    if not console.is_terminal:
        console.print(f"{header}:", markup=False, highlight=False, emoji=False)
        for line in as_plain(message, private=private, body_limit=body_limit).splitlines():
            console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True, emoji=False)
        return
    parts: list[RenderableType] = []
    if message.context:
        parts.append(styled(message.context, "dim"))
    if message.title:
        parts.append(styled(message.title, "bold"))
    if message.body:
        parts.append(styled(shorten(message.body, body_limit)))
    for field in message.fields:
        value = shorten(field.value, body_limit)
        if "\n" in value:
            parts.append(Text(field.name, style="bold"))
            parts.append(styled(value))
        else:
            parts.append(Text.assemble((f"{field.name}: ", "bold"), styled(value)))
    if message.footer:
        parts.append(styled(message.footer, "italic dim"))
    if message.buttons:
        parts.append(
            Text("\n".join(f"[{i}] {b.label}" for i, b in enumerate(message.buttons, 1)), style="bold blue")
        )
    subtitle = "only you can see this" if private else None
    console.print(
        Panel(
            Group(*parts),
            title=header,
            title_align="left",
            subtitle=subtitle,
            border_style=BORDER.get(message.kind, "white"),
        ),
        soft_wrap=False,  # wrap inside the panel whatever the console's default
    )
