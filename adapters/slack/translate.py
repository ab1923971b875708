"""Slack payloads into the core's neutral events. Pure functions of the payload; tested on recorded shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.events import ButtonPressed, CommandInvoked, Origin, ReactionAdded

PLATFORM = "slack"


@dataclass(frozen=True)
class ReplyHandle:
    """What the port needs to answer an event: a ``response_url`` for commands and buttons, else the channel."""

    team_id: str
    channel_id: str
    user_id: str
    response_url: str | None = None
    ephemeral_source: bool = False  # the button was on an ephemeral message: edit it through response_url


def command_event(body: dict[str, Any], *, is_admin: bool) -> CommandInvoked:
    """A slash command's form body (``command``, ``text``, ``team_id``, ``channel_id``, ``user_id``...)."""
    team_id = body.get("team_id") or ""
    origin = Origin(
        platform=PLATFORM,
        tenant_id=team_id,
        channel_id=body.get("channel_id") or "",
        user_id=body.get("user_id") or "",
        user_name=body.get("user_name") or "",
        channel_name=body.get("channel_name") or "",
        tenant_name=body.get("team_domain") or "",
        is_admin=is_admin,
        event_id=f"cmd:{body.get('trigger_id')}" if body.get("trigger_id") else None,
        reply_handle=ReplyHandle(
            team_id, body.get("channel_id") or "", body.get("user_id") or "", body.get("response_url")
        ),
    )
    return CommandInvoked(origin, (body.get("command") or "").lstrip("/"), body.get("text") or "")


def reaction_event(body: dict[str, Any]) -> ReactionAdded | None:
    """A ``reaction_added`` Events API envelope; None unless the reaction is on a message."""
    event = body.get("event") or {}
    item = event.get("item") or {}
    if event.get("type") != "reaction_added" or item.get("type") != "message":
        return None
    team_id = body.get("team_id") or event.get("team") or ""
    origin = Origin(
        platform=PLATFORM,
        tenant_id=team_id,
        channel_id=item.get("channel") or "",
        user_id=event.get("user") or "",
        event_id=body.get("event_id"),
        reply_handle=ReplyHandle(team_id, item.get("channel") or "", event.get("user") or ""),
    )
    return ReactionAdded(origin, item.get("ts") or "", event.get("reaction") or "")


def action_event(body: dict[str, Any], *, is_admin: bool) -> ButtonPressed | None:
    """A ``block_actions`` payload for one of our buttons (its ``value`` holds the core's action)."""
    actions = body.get("actions") or []
    if body.get("type") != "block_actions" or not actions:
        return None
    team_id = _text(body, "team", "id") or _text(body, "user", "team_id")
    channel_id, user_id = _text(body, "channel", "id"), _text(body, "user", "id")
    trigger = body.get("trigger_id")
    origin = Origin(
        platform=PLATFORM,
        tenant_id=team_id,
        channel_id=channel_id,
        user_id=user_id,
        user_name=_text(body, "user", "username") or _text(body, "user", "name"),
        channel_name=_text(body, "channel", "name"),
        tenant_name=_text(body, "team", "domain"),
        is_admin=is_admin,
        event_id=f"act:{trigger}" if trigger else None,  # one per interaction
        reply_handle=ReplyHandle(
            team_id, channel_id, user_id, body.get("response_url"), bool(_text(body, "container", "is_ephemeral"))
        ),
    )
    message_ts = _text(body, "container", "message_ts") or _text(body, "message", "ts") or None
    return ButtonPressed(origin, actions[0].get("value") or "", message_ts)


def _text(body: dict[str, Any], section: str, key: str) -> Any:
    """``body[section][key]``, or "" when either is missing or empty (Slack omits fields rather than nulling them)."""
    return (body.get(section) or {}).get(key) or ""
