"""What the core answers with: neutral messages that each adapter renders (Block Kit, embeds, plain text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    QUESTION = "question"
    REVEAL = "reveal"
    QUIZ = "quiz"
    QUIZ_RESULT = "quiz_result"
    LEADERBOARD = "leaderboard"
    STREAK = "streak"
    TEAM = "team"
    HELP = "help"
    STATUS = "status"
    INFO = "info"
    SUCCESS = "success"
    ERROR = "error"


class Style(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # opaque to adapters; comes back in ButtonPressed.action
    style: Style = Style.DEFAULT


@dataclass(frozen=True)
class Form:
    """A dialog with one multi-line text input (a Slack modal, a Discord modal). Submitting it comes back to the core
    as a ``FormSubmitted`` event carrying ``action`` and the text."""

    title: str  # at most 24 characters (Slack's limit)
    label: str  # at most 45 characters (Discord's limit)
    placeholder: str  # at most 100 characters (Discord's limit)
    submit: str  # at most 24 characters
    action: str
    max_length: int


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Message:
    """A message in neutral form. ``body`` is Markdown (``**bold**``, ``*italic*``, `` `code` ``, lists, links)."""

    kind: Kind
    title: str | None = None
    body: str = ""
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str | None = None
    context: str | None = None  # a small line above the title, e.g. deck and category

    def plain_text(self) -> str:
        """A one-string fallback (notifications, logs of shapes, platforms' ``text`` field)."""
        parts = [p for p in (self.context, self.title, self.body) if p]
        parts += [f"{f.name}: {f.value}" for f in self.fields]
        if self.footer:
            parts.append(self.footer)
        return "\n".join(parts)


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    alt_text: str = ""  # what the picture shows, for screen readers (Slack image alt_text, Discord description)


@dataclass(frozen=True)
class Reply:
    """A message answering the event that caused it; ``private`` ones are seen by the actor only."""

    message: Message
    private: bool = False
    edit: bool = False  # replace the message whose button was pressed, instead of answering anew
    attachment: Attachment | None = None  # a picture sent with the message


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)

    def add(self, message: Message, *, private: bool = False, edit: bool = False,
            attachment: Attachment | None = None) -> Outcome:
        self.replies.append(Reply(message, private, edit, attachment))
        return self
