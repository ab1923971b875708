"""Verify first: a signed-request check in front of Bolt on ``/slack/events``.

Bolt's aiohttp adapter decodes and parses the body before its own signature check, so a body that is not UTF-8
or not a JSON object, or a timestamp that is not a number, raised inside it (500 and a traceback), and a bad
signature was logged with the whole body. Here the raw bytes are checked first (timestamp, age, HMAC), then the
body's shape; a rejected request gets 401 (not from Slack) or 400 (signed but unreadable) and one bounded log line.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from slack_bolt.request.internals import parse_body

log = logging.getLogger(__name__)

#: Slack refuses requests older than five minutes; so does Bolt.
MAX_AGE_SECONDS = 60 * 5
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def expected_signature(secret: str, timestamp: str, raw: bytes) -> str:
    """Slack's v0 signature over the raw bytes (slack_sdk's verifier decodes them first, and fails on non-UTF-8)."""
    base = b"v0:" + timestamp.encode() + b":" + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def rejection(request: web.Request, raw: bytes, secret: str) -> tuple[int, str] | None:
    """(status, reason) when the request must not reach Bolt, None when it is well signed and readable."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not _TIMESTAMP.fullmatch(timestamp):
        return 401, "missing or non-numeric X-Slack-Request-Timestamp"
    if abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
        return 401, "stale X-Slack-Request-Timestamp"
    if not _SIGNATURE.fullmatch(signature):
        return 401, "missing or malformed X-Slack-Signature"
    if not hmac.compare_digest(expected_signature(secret, timestamp, raw), signature):
        return 401, "signature mismatch"
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return 400, "body is not UTF-8"
    try:
        parsed = parse_body(body, request.content_type)
    except ValueError:  # json.JSONDecodeError is a ValueError
        return 400, "body is not valid JSON"
    if not isinstance(parsed, dict) or not parsed:
        return 400, "body is not a JSON object or form"
    return None


def verify_first(secret: str, path: str) -> Middleware:
    """An aiohttp middleware checking POSTs to ``path`` before Bolt sees them; other routes pass through."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != path:
            return await handler(request)
        raw = await request.read()  # aiohttp keeps it: Bolt's adapter reads the same bytes again
        refused = rejection(request, raw, secret)
        if refused is None:
            return await handler(request)
        status, reason = refused
        log.info(
            "slack request refused",
            extra={
                "status": status,
                "reason": reason,
                "content_type": request.content_type[:80],
                "bytes": len(raw),
                "retry_num": request.headers.get("X-Slack-Retry-Num", "")[:8],
            },
        )
        return web.json_response({"error": "invalid request"}, status=status)

    return middleware
