"""A fake Slack Web API on 127.0.0.1 that records every call, plus the response_url endpoint.

It answers the methods studybot calls with the documented shapes, and can answer 429 with Retry-After for the
first calls of a method, to exercise the retry handler.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from aiohttp import WSMsgType, web

from fakes.loopback import serve_on_loopback


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float


@dataclass
class FakeSlack:
    admins: set[str] = field(default_factory=set)
    locales: dict[str, str] = field(default_factory=dict)  # user id -> Slack locale, sent when asked for
    bot_user_id: str = "UBOT"
    calls: list[Call] = field(default_factory=list)
    responses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (response_url id, body)
    rate_limited: dict[str, int] = field(default_factory=dict)  # method -> how many 429s still to answer
    retry_after: int = 1
    delay: float = 0.0  # seconds every Web API call takes
    uploads: list[bytes] = field(default_factory=list)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> messages posted
    real_ts: bool = False  # message ts from the wall clock (for conversations.history's oldest)
    ignore_oldest: bool = False  # for bots on a simulated clock, whose "oldest" is not the wall clock
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    acks: list[str] = field(default_factory=list)
    failing: dict[str, str] = field(default_factory=dict)  # method -> Slack error code to answer with
    failing_channels: dict[str, str] = field(default_factory=dict)  # channel -> error code for posts there
    limited_channels: dict[str, int] = field(default_factory=dict)  # channel -> how many 429s still to answer
    clock: Callable[[], float] | None = None  # Slack's own clock for message ts (e.g. behind the bot's)
    page_size: int | None = None  # conversations.history pages at most this many messages (cursor for the rest)
    flaky: dict[str, float] = field(default_factory=dict)  # method -> chance of an internal_error, nothing done
    lose_answer: float = 0.0  # chance chat.postMessage posts, then answers 500 (the answer is lost)
    drop_responses: int = 0  # response_url posts whose connection is closed without an answer
    hold_posts: bool = False  # chat.postMessage posts, then holds its answer until stop() (to kill the sender)
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    injected: dict[str, int] = field(default_factory=dict)  # "<method> failed" / "answer lost" -> how many
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{key}"

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            await asyncio.sleep(0.02)
        raise AssertionError(
            f"timed out; calls so far: {[c.method for c in self.calls]}, responses: {len(self.responses)}"
        )

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.text() if request.method == "POST" else request.query_string
        if request.content_type == "application/json":
            args = json.loads(raw or "{}")
        else:
            args = {k: v[0] for k, v in parse_qs(raw).items()}
            for key in ("blocks", "view"):
                if isinstance(args.get(key), str):
                    args[key] = json.loads(args[key])
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ") or None
        if self.delay:
            await asyncio.sleep(self.delay)
        self.calls.append(Call(method, args, token, time.monotonic()))
        if self.rate_limited.get(method, 0) > 0:
            self.rate_limited[method] -= 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(self.retry_after)}
            )
        if method in self.failing:
            return web.json_response({"ok": False, "error": self.failing[method]})
        if self.rng.random() < self.flaky.get(method, 0.0):
            self.injected[f"{method} failed"] = self.injected.get(f"{method} failed", 0) + 1
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        channel = args.get("channel")
        if channel in self.limited_channels and self.limited_channels[channel] > 0:
            self.limited_channels[channel] -= 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(self.retry_after)}
            )
        if channel in self.failing_channels:
            return web.json_response({"ok": False, "error": self.failing_channels[channel]})
        answer = self._answer(method, args, token)
        if method == "chat.postMessage" and self.hold_posts:
            await self._release.wait()
        if method == "chat.postMessage" and self.rng.random() < self.lose_answer:
            self.injected["answer lost"] = self.injected.get("answer lost", 0) + 1
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        return web.json_response(answer)

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        team = (token or "xoxb-T1").split("-")[1] if token and token.count("-") >= 1 else "T1"
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://example.slack.com/",
                "team": "Example",
                "user": "studybot",
                "team_id": team,
                "user_id": self.bot_user_id,
                "bot_id": "BBOT",
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            if self.clock is not None:
                ts = f"{self.clock() + next(self._ts) / 1e6:.6f}"
            else:
                ts = f"{time.time():.6f}" if self.real_ts else f"1700000000.{next(self._ts):06d}"
            metadata = args.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            self.history.setdefault(args.get("channel"), []).append(
                {"ts": ts, "text": args.get("text"), "metadata": metadata}
            )
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": {"text": args.get("text")}}
        if method == "conversations.history":
            oldest = 0.0 if self.ignore_oldest else float(args.get("oldest") or 0)
            found = list(reversed([m for m in self.history.get(args.get("channel"), []) if float(m["ts"]) >= oldest]))
            start = int(args.get("cursor") or 0)
            size = self.page_size or len(found) or 1
            page, more = found[start : start + size], start + size < len(found)
            meta = {"next_cursor": str(start + size) if more else ""}
            return {"ok": True, "messages": page, "has_more": more, "response_metadata": meta}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000001.{next(self._ts):06d}"}
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "users.info":
            user = args.get("user")
            return {
                "ok": True,
                "user": {
                    "id": user,
                    "name": user,
                    "is_admin": user in self.admins,
                    "is_owner": False,
                    "is_primary_owner": False,
                    **(
                        {"locale": self.locales.get(user, "en-US")}
                        if str(args.get("include_locale")).lower() in ("true", "1")
                        else {}
                    ),
                },
            }
        if method == "views.publish":
            return {"ok": True, "view": {"id": "V1"}}
        if method == "oauth.v2.access":  # the OAuth install: a code becomes a bot token for team T9
            return {
                "ok": True,
                "app_id": "A1",
                "authed_user": {"id": "UADMIN"},
                "scope": "commands,chat:write",
                "token_type": "bot",
                "access_token": "xoxb-T9-token",
                "bot_user_id": "UBOT",
                "team": {"id": "T9", "name": "Nine"},
                "enterprise": None,
                "is_enterprise_install": False,
            }
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/F1", "file_id": "F1"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": "F1", "title": args.get("files", "")}]}
        return {"ok": True}

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: a websocket that says hello, carries envelopes to the app and takes its acks."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}}))
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if "envelope_id" in data:
                    self.acks.append(data["envelope_id"])
        return ws

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        envelope_id = f"env-{next(self._ts)}"
        body = {"envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": False}
        await self.sockets[-1].send_str(json.dumps(body))
        return envelope_id

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads.append(await request.read())
        return web.Response(text="OK - 1")

    async def _respond(self, request: web.Request) -> web.Response:
        if self.drop_responses > 0:  # the connection dies before an answer: the client sees a disconnect
            self.drop_responses -= 1
            await request.read()
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        self.responses.append((request.match_info["key"], await request.json()))
        return web.Response(text="ok")

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_post("/upload/{file}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner, self.port = await serve_on_loopback(app)
        return self

    async def stop(self) -> None:
        self._release.set()
        for ws in self.sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
