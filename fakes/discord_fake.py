"""A fake Discord on 127.0.0.1: the REST API (recording every call) and the gateway websocket, in one aiohttp app.

It answers the routes studybot uses with Discord's payload shapes (JSON with a Content-Type of exactly
``application/json``, as discord.py requires), and plays the gateway: HELLO, READY and GUILD_CREATE after
IDENTIFY, heartbeat ACKs, RESUMED (replaying events) after RESUME, and any dispatch a test sends. Like Discord's
own client, it builds interaction payloads from the commands the bot synced. Knobs make it refuse DMs (50007),
refuse a channel (403), answer 429 first, or have a thread already.

Messages behave as Discord's do where exactly-once depends on them: ids are snowflakes of the fake's clock
(``clock_offset`` puts it ahead of or behind the bot's); a create-message call with ``enforce_nonce`` and a nonce
seen within ``nonce_window`` seconds returns the message already created instead of a new one; ``GET
/channels/{id}/messages`` lists a channel's messages newest first (``limit``, ``before``, ``after``), without their
nonces, as Discord does. ``failing_lookups`` makes that many listings fail (503), ``hold_posts`` holds channel
posts' responses (the message exists, the sender has not heard back) until the event is set.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from fakes.loopback import serve_on_loopback

API = "/api/v10"
TIMESTAMP = "2026-03-02T07:00:00.000000+00:00"
OPTION_TYPES = {"string": 3, "integer": 4, "user": 6}
DISCORD_EPOCH = 1420070400000  # ms: snowflakes count from the first second of 2015


@dataclass
class Call:
    method: str
    path: str  # without the /api/v10 prefix, e.g. /channels/123/messages
    body: Any
    query: dict[str, str]
    authorization: str | None
    result: Any = None  # what the fake answered (the created message, for a post)


def size(text: str) -> int:
    """Length as Discord counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def message_problems(body: dict[str, Any], *, new: bool) -> list[str]:
    """Why Discord would refuse this message body (400, Invalid Form Body); empty when it is fine."""
    problems: list[str] = []
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    rows = body.get("components") or []
    if size(content) > 2000:
        problems.append("content over 2000")
    if len(embeds) > 10:
        problems.append("more than 10 embeds")
    total = 0
    for embed in embeds:
        texts = {"title": (embed.get("title") or "", 256), "description": (embed.get("description") or "", 4096),
                 "footer": ((embed.get("footer") or {}).get("text") or "", 2048),
                 "author": ((embed.get("author") or {}).get("name") or "", 256)}
        for what, (text, limit) in texts.items():
            if size(text) > limit:
                problems.append(f"embed {what} over {limit}")
            total += size(text)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append("more than 25 fields")
        for f in fields:
            if not (0 < size(f.get("name") or "") <= 256) or not (0 < size(f.get("value") or "") <= 1024):
                problems.append(f"bad field {f!r:.80}")
            total += size(f.get("name") or "") + size(f.get("value") or "")
        if not any(texts[k][0] for k in texts) and not fields:
            problems.append("empty embed")
    if total > 6000:
        problems.append(f"embeds total {total} over 6000")
    if len(rows) > 5:
        problems.append("more than 5 component rows")
    for row in rows:
        for button in row.get("components") or []:
            if len(row["components"]) > 5 or size(button.get("label") or "") > 80:
                problems.append("bad button row")
            if len(button.get("custom_id") or "") > 100:
                problems.append("custom_id over 100")
    if new and not (content or embeds or rows):
        problems.append("empty message")
    return problems


def user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name, "avatar": None,
            "bot": bot, "flags": 0, "public_flags": 0}


@dataclass
class Guild:
    id: int
    name: str
    channels: dict[int, str]  # id -> name
    members: dict[int, str]  # id -> name
    owner_id: int = 0

    def payload(self, bot: dict[str, Any]) -> dict[str, Any]:
        member = lambda u: {"user": u, "roles": [], "joined_at": TIMESTAMP, "deaf": False, "mute": False,  # noqa: E731
                            "flags": 0}
        return {
            "id": str(self.id), "name": self.name, "icon": None, "owner_id": str(self.owner_id or bot["id"]),
            "features": [], "emojis": [], "stickers": [], "member_count": len(self.members) + 1, "large": False,
            "roles": [{"id": str(self.id), "name": "@everyone", "permissions": str(1 << 10 | 1 << 11),
                       "position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False,
                       "flags": 0}],
            "channels": [{"id": str(cid), "type": 0, "name": name, "position": i, "permission_overwrites": [],
                          "nsfw": False, "parent_id": None, "guild_id": str(self.id)}
                         for i, (cid, name) in enumerate(self.channels.items())],
            "threads": [], "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
            "voice_states": [], "presences": [],
            "members": [member(bot)],
            "unavailable": False, "preferred_locale": "en-US", "verification_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0,
            "premium_tier": 0, "system_channel_flags": 0, "afk_timeout": 300,
        }


@dataclass
class FakeDiscord:
    guilds: list[Guild]
    bot_id: int = 900000000000000001
    app_id: int = 900000000000000001
    calls: list[Call] = field(default_factory=list)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    commands: dict[int | None, list[dict[str, Any]]] = field(default_factory=dict)  # guild id (None: global)
    identifies: list[dict[str, Any]] = field(default_factory=list)
    resumes: list[dict[str, Any]] = field(default_factory=list)
    closed_dms: set[int] = field(default_factory=set)  # users whose DMs are closed
    forbidden_channels: set[int] = field(default_factory=set)
    rate_limited_posts: int = 0  # how many channel posts get a 429 first
    threads: set[int] = field(default_factory=set)  # threads started from these message ids
    thread_parents: dict[int, int] = field(default_factory=dict)  # thread id -> its channel
    reject_token: bool = False  # answer 401 to every call
    replay_on_resume: int = 0  # after RESUMED, send the last N dispatches again (a replay across a resume)
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)  # (path, problems) Discord would refuse
    clock_offset: float = 0.0  # seconds the fake's clock is ahead of the host's
    nonce_window: float = 300.0  # seconds a nonce is remembered for enforce_nonce
    failing_lookups: int = 0  # how many message listings answer 503
    hold_posts: asyncio.Event | None = None  # channel posts answer only once this is set
    # per channel post: None, "before" (503, nothing created), "after" (created, then 503: the answer is lost)
    # or "retry" (created, then 500: discord.py sends the same request again)
    post_fault: Callable[[int], str | None] | None = None
    lookup_fault: Callable[[int], bool] | None = None  # per message listing: True answers 503
    post_delay: float = 0.0  # seconds between creating a channel post and answering it (network and Discord)
    nonce_hits: int = 0  # create-message calls answered with an existing message
    unlisted: set[int] = field(default_factory=set)  # messages listings leave out (not listed yet)
    port: int = 0
    _last_id: int = 0
    _nonces: dict[str, tuple[int, float]] = field(default_factory=dict)  # nonce -> (message id, when)
    _dm_owner: dict[int, int] = field(default_factory=dict)
    _ws: web.WebSocketResponse | None = None
    _seq: int = 0
    _sent: list[dict[str, Any]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    interactions: dict[str, dict[str, Any]] = field(default_factory=dict)  # token -> the interaction payload
    _original: dict[str, int] = field(default_factory=dict)  # token -> the message its response is (or edits)
    _acknowledged: set[str] = field(default_factory=set)

    # ---- lifecycle ----

    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner, self.port = await serve_on_loopback(app)
        return self

    async def stop(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def bot_user(self) -> dict[str, Any]:
        return user(self.bot_id, "studybot", bot=True)

    def next_id(self) -> int:
        """A snowflake of the fake's clock, larger than every one before."""
        now = int((time.time() + self.clock_offset) * 1000) - DISCORD_EPOCH
        self._last_id = max(self._last_id + 1, now << 22)
        return self._last_id

    def forget_nonces(self) -> None:
        """As if ``nonce_window`` had passed: repeated nonces create new messages again."""
        self._nonces.clear()

    # ---- what tests look at ----

    def of(self, method: str, prefix: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.startswith(prefix)]

    def response_message(self, token: str) -> dict[str, Any]:
        """The message an interaction's response created (or, for a button, the message it is on)."""
        return self.messages[self._original[token]]

    @property
    def dm_channels(self) -> set[int]:
        return set(self._dm_owner)

    def callbacks(self, interaction_id: int | None = None) -> list[Call]:
        prefix = f"/interactions/{interaction_id}/" if interaction_id else "/interactions/"
        return [c for c in self.calls if c.path.startswith(prefix) and c.path.endswith("/callback")]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = predicate()
            if found:
                return found
            await asyncio.sleep(0.01)
        raise AssertionError(f"timed out; calls: {[(c.method, c.path) for c in self.calls]}")

    async def calls_after(self, count: int, n: int = 1, timeout: float = 5.0) -> list[Call]:
        await self.wait_for(lambda: len(self.calls) >= count + n, timeout)
        return self.calls[count:]

    # ---- the gateway ----

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            op = frame.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                self.identifies.append(frame["d"])
                await self._ready(frame["d"])
            elif op == 6:
                self.resumes.append(frame["d"])
                replay = [e for e in self._sent if e["t"] not in ("READY", "GUILD_CREATE", "RESUMED")]
                replay = replay[-self.replay_on_resume:] if self.replay_on_resume else []
                await self.dispatch("RESUMED", {})
                for event in replay:
                    await ws.send_str(json.dumps(event))
        return ws

    async def _ready(self, identify: dict[str, Any]) -> None:
        shard = identify.get("shard") or [0, 1]
        ready = {
            "v": 10, "user": self.bot_user, "session_id": "session-1", "resume_gateway_url": self.gateway_url,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds], "private_channels": [],
            "relationships": [], "application": {"id": str(self.app_id), "flags": 0}, "shard": shard,
        }
        await self.dispatch("READY", ready)
        for guild in self.guilds:
            await self.dispatch("GUILD_CREATE", guild.payload(self.bot_user))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._ws is not None, "the bot is not connected"
        self._seq += 1
        frame = {"op": 0, "t": event, "s": self._seq, "d": data}
        self._sent.append(frame)
        await self._ws.send_str(json.dumps(frame))

    async def resend(self, event: str, count: int = 1) -> None:
        """Send again the last ``count`` dispatches of ``event``, as a gateway replaying after a resume would."""
        frames = [f for f in self._sent if f["t"] == event][-count:]
        for frame in frames:
            assert self._ws is not None
            await self._ws.send_str(json.dumps(frame))

    async def request_reconnect(self) -> None:
        """Opcode 7: the client reconnects and RESUMEs; events sent since its last seq are replayed."""
        assert self._ws is not None
        await self._ws.send_str(json.dumps({"op": 7, "d": None}))

    # ---- payloads the Discord client would send ----

    def guild(self, guild_id: int) -> Guild:
        return next(g for g in self.guilds if g.id == guild_id)

    def member(self, guild_id: int, user_id: int, permissions: int) -> dict[str, Any]:
        return {"user": user(user_id, self.guild(guild_id).members[user_id]), "roles": [], "joined_at": TIMESTAMP,
                "deaf": False, "mute": False, "flags": 0, "permissions": str(permissions), "nick": None}

    def interaction(self, kind: int, data: dict[str, Any], guild_id: int | None, channel_id: int, user_id: int,
                     *, permissions: int = 0, message: dict[str, Any] | None = None,
                     locale: str = "en-US") -> dict[str, Any]:
        interaction_id = self.next_id()
        payload: dict[str, Any] = {
            "id": str(interaction_id), "application_id": str(self.app_id), "type": kind, "data": data,
            "token": f"itoken-{interaction_id}", "version": 1, "locale": locale, "entitlements": [],
            "attachment_size_limit": 10485760, "app_permissions": str((1 << 51) - 1),
        }
        if guild_id is not None:
            channel: dict[str, Any] = {"id": str(channel_id), "type": 0, "guild_id": str(guild_id),
                                       "name": self.guild(guild_id).channels.get(channel_id, "thread"),
                                       "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None}
            if channel_id in self.thread_parents:
                channel |= {"type": 11, "parent_id": str(self.thread_parents[channel_id]), "owner_id": str(self.bot_id),
                            "message_count": 1, "member_count": 1, "rate_limit_per_user": 0, "flags": 0,
                            "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                                "archive_timestamp": TIMESTAMP, "locked": False}}
            payload |= {
                "guild_id": str(guild_id), "guild_locale": "en-US", "context": 0, "channel_id": str(channel_id),
                "channel": channel,
                "member": self.member(guild_id, user_id, permissions),
                "authorizing_integration_owners": {"0": str(guild_id)},
            }
        else:
            someone = user(user_id, f"user{user_id}")
            payload |= {"context": 1, "channel_id": str(channel_id), "user": someone,
                        "channel": {"id": str(channel_id), "type": 1, "recipients": [someone]},
                        "authorizing_integration_owners": {"0": "0"}}
        if message is not None:
            payload["message"] = message
            self._original[payload["token"]] = int(message["id"])
        self.interactions[payload["token"]] = payload
        return payload

    def _command(self, guild_id: int, name: str) -> dict[str, Any]:
        for scope in (guild_id, None):
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return command
        raise AssertionError(f"/{name} was not synced")

    def command_data(self, guild_id: int, name: str, /, *subcommand: str, focused: str | None = None,
                     **values: Any) -> dict[str, Any]:
        """``data`` of a chat-input interaction, typed from the synced command (as Discord's client does)."""
        command = self._command(guild_id, name)
        schema = command.get("options") or []
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        holder = data
        for sub in subcommand:
            found = next(o for o in schema if o["name"] == sub)
            option: dict[str, Any] = {"type": found["type"], "name": sub}
            holder["options"] = [option]
            holder, schema = option, found.get("options") or []
        options = []
        resolved: dict[str, Any] = {}
        for key, value in values.items():
            kind = next(o["type"] for o in schema if o["name"] == key)
            option = {"type": kind, "name": key, "value": str(value) if kind == 6 else value}
            if key == focused:
                option["focused"] = True
            if kind == 6:
                resolved.setdefault("users", {})[str(value)] = user(int(value), self.guild(guild_id).members[value])
                member = self.member(guild_id, int(value), 0)
                member.pop("user")
                resolved.setdefault("members", {})[str(value)] = member
            options.append(option)
        if options:
            holder["options"] = options
        if resolved:
            data["resolved"] = resolved
        return data

    async def slash(self, guild_id: int, channel_id: int, user_id: int, name: str, /, *subcommand: str,
                    permissions: int = 0, locale: str = "en-US", **values: Any) -> int:
        data = self.command_data(guild_id, name, *subcommand, **values)
        payload = self.interaction(2, data, guild_id, channel_id, user_id, permissions=permissions, locale=locale)
        await self.dispatch("INTERACTION_CREATE", payload)
        return int(payload["id"])

    async def autocomplete(self, guild_id: int, channel_id: int, user_id: int, name: str, /, *subcommand: str,
                           focused: str, **values: Any) -> int:
        data = self.command_data(guild_id, name, *subcommand, focused=focused, **values)
        payload = self.interaction(4, data, guild_id, channel_id, user_id)
        await self.dispatch("INTERACTION_CREATE", payload)
        return int(payload["id"])

    async def click(self, message: dict[str, Any], custom_id: str, user_id: int, *, guild_id: int | None,
                    permissions: int = 0) -> int:
        data = {"custom_id": custom_id, "component_type": 2}
        payload = self.interaction(3, data, guild_id, int(message["channel_id"]), user_id,
                                    permissions=permissions, message=message)
        await self.dispatch("INTERACTION_CREATE", payload)
        return int(payload["id"])

    async def submit_modal(self, modal: dict[str, Any], text: str, user_id: int, *, guild_id: int | None,
                           channel_id: int) -> int:
        """A MODAL_SUBMIT interaction for a modal the bot opened (``modal``: the type 9 callback's data), every text
        input filled with ``text``."""
        def filled(component: dict[str, Any]) -> dict[str, Any]:
            if component.get("type") == 4:
                return {"type": 4, "custom_id": component["custom_id"], "value": text}
            if "component" in component:  # a label wrapping one input
                return {"type": component["type"], "component": filled(component["component"])}
            return {"type": component["type"], "components": [filled(c) for c in component.get("components", [])]}

        data = {"custom_id": modal["custom_id"], "components": [filled(c) for c in modal.get("components", [])]}
        payload = self.interaction(5, data, guild_id, channel_id, user_id)
        await self.dispatch("INTERACTION_CREATE", payload)
        return int(payload["id"])

    async def react(self, guild_id: int, channel_id: int, message_id: int, user_id: int, emoji: str | dict[str, Any],
                    *, bot: bool = False) -> None:
        member = self.member(guild_id, user_id, 0) if not bot else {
            "user": self.bot_user, "roles": [], "joined_at": TIMESTAMP, "deaf": False, "mute": False, "flags": 0}
        member.pop("permissions", None)
        author = self.messages.get(message_id, {}).get("author", {}).get("id", str(self.bot_id))
        await self.dispatch("MESSAGE_REACTION_ADD", {
            "user_id": member["user"]["id"], "channel_id": str(channel_id), "message_id": str(message_id),
            "guild_id": str(guild_id), "member": member, "message_author_id": author,
            "emoji": {"id": None, "name": emoji} if isinstance(emoji, str) else emoji,
            "burst": False, "burst_colors": [], "type": 0,
        })

    # ---- the REST API ----

    def _json(self, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        return web.Response(body=json.dumps(data).encode(), status=status,
                            headers={"Content-Type": "application/json", **(headers or {})})

    def _error(self, status: int, code: int, message: str) -> web.Response:
        return self._json({"message": message, "code": code}, status)

    def create_message(self, channel_id: int, body: dict[str, Any], *, flags: int = 0) -> dict[str, Any]:
        message_id = self.next_id()
        data = {
            "id": str(message_id), "channel_id": str(channel_id), "author": self.bot_user,
            "content": body.get("content") or "", "timestamp": TIMESTAMP, "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
            "embeds": body.get("embeds") or [], "components": body.get("components") or [], "pinned": False,
            "type": 0, "flags": flags | (body.get("flags") or 0),
        }
        self.messages[message_id] = data
        return data

    def _edit(self, message_id: int, body: dict[str, Any]) -> dict[str, Any]:
        data = self.messages[message_id]
        for key in ("embeds", "components", "content"):
            if key in body:
                data[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        data["edited_timestamp"] = TIMESTAMP
        return data

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.content_type.startswith("multipart/"):
            form = await request.post()  # payload_json plus files[n]
            body = json.loads(str(form["payload_json"]))
            body["files"] = {f.filename: f.file.read() for k, f in form.items() if isinstance(f, web.FileField)}
        else:
            raw = await request.read()
            body = json.loads(raw) if raw and request.content_type == "application/json" else None
        self.calls.append(Call(request.method, path, body, dict(request.query), request.headers.get("Authorization")))
        if self.reject_token:
            return self._error(401, 0, "401: Unauthorized")
        checked = body.get("data") if path.endswith("/callback") and isinstance(body, dict) else body
        if isinstance(checked, dict) and request.method in ("POST", "PATCH") and "/threads" not in path:
            creates = request.method == "POST" and not path.startswith("/users/") and (
                not path.endswith("/callback") or body.get("type") == 4)
            problems = message_problems(checked, new=creates)
            if problems:
                self.rejected.append((path, problems))
                return self._json({"message": "Invalid Form Body", "code": 50035, "errors": problems}, 400)
        call = self.calls[-1]
        response = self._answer(request.method, path.strip("/").split("/"), body or {}, call.query)
        if response.body and response.content_type == "application/json":
            call.result = json.loads(response.body)  # type: ignore[arg-type]
        parts = path.strip("/").split("/")
        if request.method == "POST" and len(parts) == 3 and parts[0] == "channels":
            if self.post_delay:
                await asyncio.sleep(self.post_delay)
            if self.hold_posts is not None:
                await self.hold_posts.wait()
        return response

    def _answer(self, method: str, parts: list[str], body: dict[str, Any], query: dict[str, str]) -> web.Response:
        match (method, parts):
            case ("GET", ["users", "@me"]):
                return self._json(self.bot_user)
            case ("GET", ["oauth2", "applications", "@me"]):
                return self._json({"id": str(self.app_id), "name": "studybot", "description": "", "icon": None,
                                   "bot_public": True, "bot_require_code_grant": False, "flags": 0,
                                   "owner": user(1, "owner"), "verify_key": "0" * 64})
            case ("GET", ["gateway", "bot"]):
                return self._json({"url": "wss://gateway.invalid", "shards": 1, "session_start_limit": {
                    "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})
            case ("PUT", ["applications", _app, "commands"]):
                return self._json(self._store_commands(None, body))
            case ("PUT", ["applications", _app, "guilds", guild, "commands"]):
                return self._json(self._store_commands(int(guild), body))
            case ("GET", ["guilds", guild, "members", member]):
                found = next((g for g in self.guilds if g.id == int(guild)), None)
                if found is None:
                    return self._error(404, 10004, "Unknown Guild")
                if int(member) not in found.members:
                    return self._error(404, 10007, "Unknown Member")
                payload = self.member(found.id, int(member), 0)
                payload.pop("permissions")  # only interactions carry a member's permissions
                return self._json(payload)
            case ("POST", ["users", "@me", "channels"]):
                dm = self.next_id()
                self._dm_owner[dm] = int(body["recipient_id"])
                return self._json({"id": str(dm), "type": 1, "last_message_id": None,
                                   "recipients": [user(int(body["recipient_id"]), "member")]})
            case ("POST", ["channels", channel, "messages"]):
                channel_id = int(channel)
                if self._dm_owner.get(channel_id) in self.closed_dms:
                    return self._error(403, 50007, "Cannot send messages to this user")
                if channel_id in self.forbidden_channels:
                    return self._error(403, 50013, "Missing Permissions")
                if self.rate_limited_posts > 0:
                    self.rate_limited_posts -= 1
                    return self._json({"message": "You are being rate limited.", "retry_after": 0.05,
                                       "global": False}, 429, {"Via": "1.1 google", "Retry-After": "1"})
                fault = self.post_fault(channel_id) if self.post_fault is not None else None
                if fault == "before":
                    return self._error(503, 0, "Service Unavailable")
                created = self._create_once(channel_id, body)
                if fault in ("after", "retry"):
                    return self._error(503 if fault == "after" else 500, 0, "Service Unavailable")
                return created
            case ("GET", ["channels", channel, "messages"]):
                return self._list_messages(int(channel), query)
            case ("POST", ["channels", channel, "messages", message, "threads"]):
                if int(message) in self.threads:
                    return self._error(400, 160004, "A thread has already been created for this message")
                self.threads.add(int(message))
                self.thread_parents[int(message)] = int(channel)
                guild = next((g.id for g in self.guilds if int(channel) in g.channels), 0)
                return self._json({"id": message, "type": 11, "guild_id": str(guild), "parent_id": channel,
                                   "name": body.get("name"), "owner_id": str(self.bot_id), "message_count": 0,
                                   "member_count": 1, "rate_limit_per_user": 0, "flags": 0,
                                   "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                                       "archive_timestamp": TIMESTAMP, "locked": False}}, 201)
            case ("POST", ["interactions", interaction, token, "callback"]):
                return self._callback(int(interaction), token, body)
            case ("PATCH", ["webhooks", _app, token, "messages", "@original"]):
                original = self._original.get(token)
                if original is None:
                    return self._error(404, 10008, "Unknown Message")
                return self._json(self._edit(original, body))
            case ("DELETE", ["webhooks", _app, token, "messages", "@original"]):
                self._original.pop(token, None)
                return web.Response(status=204)
            case ("POST", ["webhooks", _app, token]):
                return self._json(self.create_message(self._channel_of(token), body))
        return self._error(404, 0, "404: Not Found")

    def _create_once(self, channel_id: int, body: dict[str, Any]) -> web.Response:
        """Create a message; with ``enforce_nonce``, a nonce seen within the window returns its message instead."""
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            seen = self._nonces.get(str(nonce))
            if seen is not None and time.monotonic() - seen[1] <= self.nonce_window and seen[0] in self.messages:
                self.nonce_hits += 1
                return self._json({**self.messages[seen[0]], "nonce": nonce})
        message = self.create_message(channel_id, body)
        if nonce is None:
            return self._json(message)
        self._nonces[str(nonce)] = (int(message["id"]), time.monotonic())
        return self._json({**message, "nonce": nonce})  # echoed in the answer only, never in listings

    def _list_messages(self, channel_id: int, query: dict[str, str]) -> web.Response:
        if channel_id in self.forbidden_channels:
            return self._error(403, 50013, "Missing Permissions")
        if self.failing_lookups > 0 or (self.lookup_fault is not None and self.lookup_fault(channel_id)):
            self.failing_lookups = max(0, self.failing_lookups - 1)
            return self._error(503, 0, "Service Unavailable")
        limit = max(1, min(100, int(query.get("limit", 50))))
        before, after = int(query.get("before", 0)) or None, int(query.get("after", 0)) or None
        found = [m for i, m in self.messages.items() if int(m["channel_id"]) == channel_id and i not in self.unlisted
                 and (before is None or i < before) and (after is None or i > after)]
        found.sort(key=lambda m: int(m["id"]), reverse=after is None)
        # newest first; with ``after``, the ``limit`` messages right after it (still newest first)
        page = found[:limit] if after is None else found[:limit][::-1]
        return self._json(page)

    def _store_commands(self, guild_id: int | None, body: list[dict[str, Any]]) -> list[dict[str, Any]]:
        stored = []
        for command in body:
            entry = {**command, "id": str(self.next_id()), "application_id": str(self.app_id), "version": "1"}
            if guild_id is not None:
                entry["guild_id"] = str(guild_id)
            stored.append(entry)
        self.commands[guild_id] = stored
        return stored

    def _channel_of(self, token: str) -> int:
        return int(self.interactions.get(token, {}).get("channel_id") or 0)

    def _callback(self, interaction_id: int, token: str, body: dict[str, Any]) -> web.Response:
        if token in self._acknowledged:
            return self._error(400, 40060, "Interaction has already been acknowledged.")
        self._acknowledged.add(token)
        kind = body.get("type")
        data = body.get("data") or {}
        answer: dict[str, Any] = {"id": str(interaction_id), "type": self.interactions[token]["type"]}
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5):
            message = self.create_message(self._channel_of(token), data)
            self._original[token] = int(message["id"])
            answer |= {"response_message_id": message["id"], "response_message_loading": kind == 5,
                       "response_message_ephemeral": bool((data.get("flags") or 0) & 64)}
            resource["message"] = message
        elif kind == 7 and token in self._original:
            resource["message"] = self._edit(self._original[token], data)
        return self._json({"interaction": answer, "resource": resource})
