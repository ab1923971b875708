"""Keeping a platform connection alive: capped exponential backoff, one warning line per failed attempt for the
network errors to expect when a platform is unreachable, and the connection state ``/readyz`` reports.

Cancelling a supervising task (SIGTERM) ends it at once, whatever it is doing: connecting, waiting to retry or
serving.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass

import aiohttp

#: The first wait after a failure, and the longest.
FIRST_DELAY = 1.0
MAX_DELAY = 60.0


@dataclass
class Backoff:
    """Delays of 1, 2, 4, ... seconds up to ``cap``, each with up to 10% jitter; ``reset`` after a success."""

    first: float = FIRST_DELAY
    cap: float = MAX_DELAY
    attempts: int = 0

    def delay(self) -> float:
        base = min(self.cap, self.first * 2**self.attempts)
        self.attempts += 1
        return base * (1 + random.random() / 10)

    def reset(self) -> None:
        self.attempts = 0


@dataclass
class Link:
    """What ``/readyz`` says about one platform connection."""

    name: str
    connected: bool = False
    problem: str | None = None
    ups: int = 0  # how many times it came up

    def up(self) -> None:
        if not self.connected:
            self.ups += 1
        self.connected, self.problem = True, None

    def down(self, problem: str) -> None:
        self.connected, self.problem = False, problem


def network_error(exc: BaseException) -> bool:
    """An error to expect when a platform is unreachable or drops the connection (not a bug)."""
    return isinstance(exc, OSError | aiohttp.ClientError | asyncio.TimeoutError | ConnectionError)


def describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class OneLineNetworkErrors(logging.Filter):
    """Turns a library's logged traceback for an expected network error into one warning line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None and network_error(record.exc_info[1]):
            record.msg = f"{record.getMessage()} ({describe(record.exc_info[1])})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def quiet_network_tracebacks(*logger_names: str) -> None:
    """Install :class:`OneLineNetworkErrors` on these library loggers (once each)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, OneLineNetworkErrors) for f in logger.filters):
            logger.addFilter(OneLineNetworkErrors())


async def wait_to_retry(log: logging.Logger, link: Link, what: str, exc: BaseException, backoff: Backoff) -> None:
    """Log one warning line for a failed attempt, mark the link down, and sleep the next backoff delay."""
    delay = backoff.delay()
    link.down(describe(exc))
    log.warning("%s failed (%s); retrying in %.0f s", what, describe(exc), delay,
                extra={"platform": link.name, "retry_in": round(delay, 1)})
    await asyncio.sleep(delay)
