"""Neutral messages as terminal output: rich panels on a terminal, plain text when piped."""

from __future__ import annotations

import re

from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.panel import Panel
from rich.text import Text

from bot.messages import Kind, Message

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)]+)\)")

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
    """Markdown without its markers, for plain text output."""
    text = _LINK.sub(r"\1 (\2)", text)
    text = _BOLD.sub(r"\1", text)
    return _ITALIC.sub(r"\1", text)


def shorten(text: str, limit: int | None) -> str:
    """Cut long texts (the demo shows the start of each answer)."""
    if limit is None or len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


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
        console.print(f"{header}:", markup=False, highlight=False)
        for line in as_plain(message, private=private, body_limit=body_limit).splitlines():
            console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
        return
    parts: list[RenderableType] = []
    if message.context:
        parts.append(Text(plain_markdown(message.context), style="dim"))
    if message.body:
        parts.append(Markdown(shorten(message.body, body_limit)))
    for field in message.fields:
        parts.append(Text(field.name, style="bold"))
        parts.append(Markdown(shorten(field.value, body_limit)))
    if message.footer:
        parts.append(Text(plain_markdown(message.footer), style="italic dim"))
    if message.buttons:
        parts.append(Text("  ".join(f"[{i}] {b.label}" for i, b in enumerate(message.buttons, 1)), style="bold blue"))
    title = plain_markdown(message.title) if message.title else None
    subtitle = "only you can see this" if private else None
    console.print(
        Panel(
            Group(*parts),
            title=f"{header}: {title}" if title else header,
            title_align="left",
            subtitle=subtitle,
            border_style=BORDER.get(message.kind, "white"),
        )
    )
