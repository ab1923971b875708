"""Discord's failures as the core's ``PlatformError``: permanent when retrying cannot help."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import aiohttp
import discord

from bot.ports import PlatformError

log = logging.getLogger(__name__)

DM_CLOSED = 50007  # Cannot send messages to this user
THREAD_EXISTS = 160004  # A thread has already been created for this message
INTERACTION_ACKNOWLEDGED = 40060  # Interaction has already been acknowledged
UNKNOWN_INTERACTION = 10062


def describe(context: Mapping[str, object]) -> str:
    """``key=value`` pairs for a log line, so the context shows whatever the log format."""
    return " ".join(f"{key}={value}" for key, value in context.items() if value is not None)


def platform_error(exc: BaseException) -> PlatformError:
    """A readable reason (it may reach users, e.g. "I could not post in this channel: Missing Permissions")."""
    if isinstance(exc, discord.RateLimited):
        return PlatformError(f"rate limited by Discord for {exc.retry_after:.0f} s", retry_after=exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        reason = exc.text or exc.response.reason or "error"
        permanent = isinstance(exc, discord.Forbidden | discord.NotFound) or exc.status == 401
        return PlatformError(f"{reason} (Discord {exc.status}, code {exc.code})", permanent=permanent)
    return PlatformError(f"cannot reach Discord ({type(exc).__name__})")


@contextmanager
def platform_errors(action: str, **context: object) -> Iterator[None]:
    """Turn discord.py's and the network's exceptions into ``PlatformError`` and log them with ``context``."""
    try:
        yield
    except (TimeoutError, discord.HTTPException, discord.RateLimited, aiohttp.ClientError) as exc:
        error = platform_error(exc)
        log.warning("discord %s failed: %s (%s)", action, error, describe(context), extra={"action": action, **context})
        raise error from exc
