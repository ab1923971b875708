"""Argument tokens of a command, taken one by one with clear errors."""

from __future__ import annotations

import shlex

from bot.commands.errors import UserError

MAX_ARGUMENT_TEXT = 500


_CONTROL = {c: None for c in range(32) if chr(c) not in "\t\n\r"} | {0x7F: None}


def split_arguments(text: str) -> list[str]:
    """Split like a shell: quotes group words (``/team create "Night Owls"``). Typographic quotes count too.
    Control characters are dropped first: they mean nothing in an argument, and PostgreSQL refuses NUL."""
    text = text.translate(_CONTROL)
    text = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    if len(text) > MAX_ARGUMENT_TEXT:
        raise UserError("error.too_many_args", extra=text[:40] + "…")
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise UserError("error.quotes") from exc


class Args:
    def __init__(self, tokens: list[str]):
        self._tokens = list(tokens)

    def __len__(self) -> int:
        return len(self._tokens)

    def optional(self) -> str | None:
        return self._tokens.pop(0) if self._tokens else None

    def required(self, what_key: str) -> str:
        if not self._tokens:
            raise UserError("error.missing_arg", what=("t", what_key))
        return self._tokens.pop(0)

    def rest(self) -> str:
        text, self._tokens = " ".join(self._tokens), []
        return text

    def remaining(self) -> list[str]:
        out, self._tokens = self._tokens, []
        return out

    def done(self) -> None:
        if self._tokens:
            extra = " ".join(self._tokens)
            raise UserError("error.too_many_args", extra=extra if len(extra) <= 60 else extra[:60] + "…")
