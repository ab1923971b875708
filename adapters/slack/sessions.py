"""One aiohttp session per event loop for the Slack Web API and response_urls.

Given no session, slack_sdk opens a new aiohttp session, and a new TCP connection, for every call: under load
that was a large share of the CPU spent per event. The port runs on the worker loops of ``adapters/worker.py`` and
a session belongs to the loop it was made on, so each loop gets its own, kept until :meth:`close_current`.
"""

from __future__ import annotations

import asyncio

import aiohttp

#: slack_sdk's own default timeout for a call.
CALL_TIMEOUT = 30.0


class LoopSessions:
    def __init__(self) -> None:
        self._sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}

    def get(self) -> aiohttp.ClientSession:
        """The running loop's session (one loop runs in one thread: no two callers race for an entry)."""
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CALL_TIMEOUT))
            self._sessions[loop] = session
        return session

    async def close_current(self) -> None:
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        if session is not None:
            await session.close()
