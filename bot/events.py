"""What adapters hand the core: neutral inbound events, free of any platform type."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Origin:
    """Where an event came from and who caused it. Ids are the platform's own strings.

    ``reply_handle`` is opaque to the core: an adapter keeps in it what it needs to answer this event
    (a Slack ``response_url``, a Discord interaction...).
    """

    platform: str
    tenant_id: str
    channel_id: str
    user_id: str
    user_name: str = ""
    channel_name: str = ""
    tenant_name: str = ""
    is_admin: bool = False
    event_id: str | None = None
    locale: str = ""  # the member's language as the platform reports it ("pt-BR", "en-US"); "" when unknown
    reply_handle: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class CommandInvoked:
    """A slash command: ``name`` is the command (``quiz``, ``studybot``...), ``text`` what followed it."""

    origin: Origin
    name: str
    text: str = ""


@dataclass(frozen=True)
class ReactionAdded:
    origin: Origin
    message_id: str
    emoji: str  # a unicode emoji ("👀") or a short name ("eyes", ":eyes:")


@dataclass(frozen=True)
class ButtonPressed:
    origin: Origin
    action: str  # the Button.action the core rendered, e.g. "sb:reveal:12"
    message_id: str | None = None


@dataclass(frozen=True)
class FormSubmitted:
    """A dialog opened for a ``Form`` was submitted: ``action`` is the form's, ``text`` what the member typed."""

    origin: Origin
    action: str
    text: str


Event = CommandInvoked | ReactionAdded | ButtonPressed | FormSubmitted


def with_locale(event: Event, locale: str) -> Event:
    """The event with the member's platform language set on its origin (learned after translation, e.g. from
    Slack's ``users.info``)."""
    return replace(event, origin=replace(event.origin, locale=locale)) if locale else event
