"""Member- and team-supplied text inside the neutral Markdown the core writes.

A display name like ``[Free Nitro](https://evil.example/x)`` or ``**boss**`` must show as typed, never as a link or
formatting. ``literal`` backslash-escapes Markdown's punctuation (CommonMark escapes, which Discord and the console
honour); the Slack and plain-text renderers turn each escape back into the bare character, kept inert their own
way (``escapes``). ``code_safe`` is for values shown inside a code span, where escapes do not apply.
"""

from __future__ import annotations

import re

#: Punctuation that can start or end formatting, a link, a quote, a heading, a list or a spoiler.
SPECIAL = frozenset("\\`*_~|[]()<>#!-:")
#: An escape, or a code span or block (kept whole: escapes do not apply inside code).
_ESCAPE = re.compile(r"(```.*?```|`[^`\n]*`)|\\([\\`*_~|\[\]()<>#!\-:])", re.DOTALL)


def literal(text: str) -> str:
    """``text`` shown as typed in neutral Markdown: every special character backslash-escaped."""
    return "".join(f"\\{c}" if c in SPECIAL else c for c in text)


def code_safe(text: str) -> str:
    """``text`` for inside a code span (`` `...` ``): a backtick would close the span, so it becomes a quote."""
    return text.replace("`", "'")


def unescape(text: str) -> str:
    """Neutral Markdown's escapes as bare characters (for plain-text places: headers, notifications, names)."""
    return _ESCAPE.sub(lambda m: m.group(1) or m.group(2), text)


def escapes(text: str) -> tuple[str, list[str]]:
    """``text`` with every escape replaced by a placeholder (``\\x01<n>\\x01``) that no Markdown pattern matches,
    and the escaped characters in order, for a renderer to put back in its own inert form."""
    found: list[str] = []

    def keep(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1)
        found.append(match.group(2))
        return f"\x01{len(found) - 1}\x01"

    return _ESCAPE.sub(keep, text), found


def restore(text: str, found: list[str], form=lambda c: c) -> str:
    """Put back the characters ``escapes`` took out, each through ``form``."""
    return re.sub("\x01(\\d+)\x01", lambda m: form(found[int(m.group(1))]), text)
