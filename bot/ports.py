"""What the core needs from a chat platform. Each adapter implements ChatPort."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.events import Origin
from bot.messages import Message


@dataclass(frozen=True)
class ChannelRef:
    platform: str
    tenant_id: str
    channel_id: str


@dataclass(frozen=True)
class Capabilities:
    ephemeral: bool  # private replies inside the channel (Slack, Discord interactions)
    threads: bool
    spoilers: bool
    buttons: bool
    direct_messages: bool


class PlatformError(Exception):
    """A platform refused or failed a call. ``permanent`` when retrying cannot help (no access, archived)."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@runtime_checkable
class FindsPosts(Protocol):
    """Optional: platforms that can tell whether a keyed post already went out (Slack message metadata). After a
    crash between sending and recording a post, the retry asks first instead of posting twice.

    ``find_post`` returns the message id (found) or None (not found: nothing with ``key`` since ``since``), and
    raises PlatformError when the platform cannot tell (unknown): the core then does not post, and asks again
    later. ``since`` comes from the question day, never from the bot's clock (``bot.posts.daily.lookup_since``)."""

    async def find_post(self, channel: ChannelRef, key: str, since: datetime) -> str | None: ...


class ChatPort(Protocol):
    platform: str
    capabilities: Capabilities

    async def post(
        self, channel: ChannelRef, message: Message, *, thread: str | None = None, key: str | None = None
    ) -> str:
        """Post to a channel (in the thread of message ``thread`` when given); returns the platform's message id.
        ``key`` marks the message so that ``find_post`` can recognise it later."""
        ...

    async def reply(self, origin: Origin, message: Message, *, private: bool) -> None:
        """Answer the event in ``origin``; private replies are seen by ``origin.user_id`` only."""
        ...

    async def edit(self, origin: Origin, message_id: str | None, message: Message) -> None:
        """Replace the message a button was pressed on (``message_id``) with ``message``."""
        ...

    async def upload(
        self, origin: Origin, message: Message, filename: str, data: bytes, *, private: bool = False,
        alt_text: str = "",
    ) -> None:
        """Answer the event with ``message`` and an attached picture (PNG) described by ``alt_text``; ``private``
        ones are seen by the actor only."""
        ...

    async def send_direct(self, tenant_id: str, user_id: str, message: Message) -> None:
        """A direct message to a member (reminders)."""
        ...
