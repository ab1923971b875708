"""Quiet acknowledgements for every well-signed request studybot does not use.

Bolt answers a request no listener matched with 404 ``unhandled request`` and a warning; Slack then retries the
event and, after enough failures, turns the app's event subscriptions off. These catch-all listeners, registered
after studybot's own (Bolt runs the first listener that matches), answer 200 and do nothing.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

ANY = re.compile("")  # matches every event type, action, callback and command id, even an empty one


async def _ack(ack: Any) -> None:
    await ack()


async def _ack_no_options(ack: Any) -> None:
    await ack(options=[])


async def _ignore() -> None:
    """Events are acknowledged by Bolt itself; there is nothing left to do."""


def ignore_unused(bolt: AsyncApp) -> None:
    """Register last: events, block and attachment actions, dialogs, views, shortcuts, options, commands."""
    bolt.event(ANY)(_ignore)
    bolt.action(ANY)(_ack)
    bolt.view(ANY)(_ack)
    bolt.view_closed(ANY)(_ack)
    bolt.shortcut(ANY)(_ack)
    bolt.options(ANY)(_ack_no_options)
    bolt.command(ANY)(_ack)
