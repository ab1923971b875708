"""Signed Slack requests in the documented payload shapes, sent over real HTTP to the Bolt app."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

SIGNING_SECRET = "test-signing-secret"
_ids = itertools.count(1)


def signature_headers(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class SlackClient:
    """Plays Slack: posts slash commands, events and interactions to /slack/events."""

    url: str
    fake_response_url: Any  # callable key -> url
    session: aiohttp.ClientSession
    secret: str = SIGNING_SECRET
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def post(
        self,
        body: str,
        content_type: str,
        headers: dict[str, str] | None = None,
        secret: str | None = None,
        timestamp: int | None = None,
    ) -> tuple[int, str]:
        all_headers = {"Content-Type": content_type, **signature_headers(body, secret or self.secret, timestamp)}
        all_headers.update(headers or {})
        async with self.session.post(self.url, data=body.encode(), headers=all_headers) as response:
            return response.status, await response.text()

    async def command(
        self,
        text_line: str,
        *,
        user: str = "UADMIN",
        team: str = "T1",
        channel: str = "C1",
        user_name: str | None = None,
        **kwargs: Any,
    ) -> tuple[int, str]:
        name, _, text = text_line.lstrip("/").partition(" ")
        n = next(_ids)
        form = {
            "token": "legacy",
            "team_id": team,
            "team_domain": f"team-{team.lower()}",
            "channel_id": channel,
            "channel_name": "study",
            "user_id": user,
            "user_name": user_name or user.lower(),
            "command": f"/{name}",
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": self.fake_response_url(f"cmd{n}"),
            "trigger_id": f"trigger.{n}",
        }
        return await self.post(urlencode(form), "application/x-www-form-urlencoded", **kwargs)

    async def event(
        self,
        event: dict[str, Any],
        *,
        team: str = "T1",
        event_id: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> tuple[int, str]:
        envelope = {
            "token": "legacy",
            "team_id": team,
            "api_app_id": "A1",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True, "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
        }
        return await self.post(json.dumps(envelope), "application/json", headers=headers, **kwargs)

    async def react(
        self,
        ts: str,
        *,
        user: str = "U2",
        reaction: str = "eyes",
        channel: str = "C1",
        team: str = "T1",
        event_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        event = {
            "type": "reaction_added",
            "user": user,
            "reaction": reaction,
            "item_user": "UBOT",
            "item": {"type": "message", "channel": channel, "ts": ts},
            "event_ts": f"{time.time():.6f}",
        }
        return await self.event(event, team=team, event_id=event_id, headers=headers)

    async def click(
        self,
        value: str,
        *,
        message_ts: str,
        user: str = "U2",
        team: str = "T1",
        channel: str = "C1",
        ephemeral: bool = False,
        action_id: str = "sb-0",
        n: int | None = None,
    ) -> tuple[int, str]:
        n = n if n is not None else next(_ids)
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
            "api_app_id": "A1",
            "token": "legacy",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": f"trigger.click.{n}",
            "team": {"id": team, "domain": f"team-{team.lower()}"},
            "channel": {"id": channel, "name": "study"},
            "response_url": self.fake_response_url(f"act{n}"),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                    "text": {"type": "plain_text", "text": "x"},
                }
            ],
        }
        return await self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    async def submit_view(
        self, view: dict[str, Any], values: dict[str, dict[str, str]], *, user: str = "U2", team: str = "T1",
        view_id: str = "V1", headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """A ``view_submission`` of ``view`` (as the app opened it) with ``values``: block id -> action id -> text.
        Retrying with the same ``view_id`` is what Slack does when the first request timed out."""
        payload = {
            "type": "view_submission",
            "team": {"id": team, "domain": f"team-{team.lower()}"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": f"trigger.view.{next(_ids)}",
            "view": {
                **view,
                "id": view_id,
                "team_id": team,
                "state": {"values": {b: {a: {"type": "plain_text_input", "value": v} for a, v in actions.items()}
                                     for b, actions in values.items()}},
                "hash": "156772938.1827394",
                "app_id": "A1",
                "bot_id": "BBOT",
            },
            "is_enterprise_install": False,
        }
        return await self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded",
                               headers=headers)


def block_text(blocks: list[dict[str, Any]]) -> str:
    """Every text in a list of blocks, for assertions."""
    out: list[str] = []
    for block in blocks:
        if "text" in block and isinstance(block["text"], dict):
            out.append(block["text"].get("text", ""))
        for element in block.get("elements", []) + block.get("fields", []):
            if isinstance(element.get("text"), dict):
                out.append(element["text"].get("text", ""))
            elif isinstance(element.get("text"), str):
                out.append(element["text"])
    return "\n".join(out)


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(label, value) of every button."""
    return [
        (element["text"]["text"], element["value"])
        for block in blocks
        if block.get("type") == "actions"
        for element in block["elements"]
    ]
