"""Slack payloads into the core's neutral events. Pure functions of the payload; tested on recorded shapes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.events import ButtonPressed, CommandInvoked, FormSubmitted, Origin, ReactionAdded
from bot.messages import Form

PLATFORM = "slack"


@dataclass(frozen=True)
class ReplyHandle:
    """What the port needs to answer an event: a ``response_url`` for commands and buttons, else the channel."""

    team_id: str
    channel_id: str
    user_id: str
    response_url: str | None = None
    ephemeral_source: bool = False  # the button was on an ephemeral message: edit it through response_url
    enterprise_id: str | None = None  # the installation's organisation (Enterprise Grid), from Bolt's context


def command_event(
    body: dict[str, Any], *, is_admin: bool, team_id: str | None = None, enterprise_id: str | None = None
) -> CommandInvoked:
    """A slash command's form body (``command``, ``text``, ``team_id``, ``channel_id``, ``user_id``...).

    ``team_id`` and ``enterprise_id`` are the installation's, from Bolt's context; without them, the body's.
    """
    team_id = team_id or body.get("team_id") or ""
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
            team_id,
            body.get("channel_id") or "",
            body.get("user_id") or "",
            body.get("response_url"),
            enterprise_id=enterprise_id,
        ),
    )
    return CommandInvoked(origin, (body.get("command") or "").lstrip("/"), body.get("text") or "")


def reaction_event(
    body: dict[str, Any], *, team_id: str | None = None, enterprise_id: str | None = None
) -> ReactionAdded | None:
    """A ``reaction_added`` Events API envelope; None unless the reaction is on a message.

    In a channel shared with another organisation (Slack Connect) the envelope's ``team_id`` may be the other
    workspace's: the installation is ``authorizations[0]``, which is what Bolt's context holds and passes here.
    """
    event = body.get("event") or {}
    item = event.get("item") or {}
    if event.get("type") != "reaction_added" or item.get("type") != "message":
        return None
    authorizations = body.get("authorizations") or [{}]
    team_id = team_id or authorizations[0].get("team_id") or body.get("team_id") or event.get("team") or ""
    origin = Origin(
        platform=PLATFORM,
        tenant_id=team_id,
        channel_id=item.get("channel") or "",
        user_id=event.get("user") or "",
        event_id=body.get("event_id"),
        reply_handle=ReplyHandle(
            team_id, item.get("channel") or "", event.get("user") or "", enterprise_id=enterprise_id
        ),
    )
    return ReactionAdded(origin, item.get("ts") or "", event.get("reaction") or "")


def action_event(
    body: dict[str, Any], *, is_admin: bool, team_id: str | None = None, enterprise_id: str | None = None
) -> ButtonPressed | None:
    """A ``block_actions`` payload for one of our buttons (its ``value`` holds the core's action)."""
    actions = body.get("actions") or []
    if body.get("type") != "block_actions" or not actions:
        return None
    action = actions[0]
    team_id = team_id or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or ""
    channel_id = (body.get("channel") or {}).get("id") or ""
    user = body.get("user") or {}
    container = body.get("container") or {}
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    user_id, trigger = user.get("id") or "", body.get("trigger_id")
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
            team_id,
            channel_id,
            user.get("id") or "",
            body.get("response_url"),
            bool(container.get("is_ephemeral")),
            enterprise_id,
        ),
    )
    return ButtonPressed(origin, action.get("value") or "", message_ts)


#: The modal's one input: block and action ids, read back from ``view.state.values`` on submission.
FORM_BLOCK, FORM_INPUT = "answer", "text"


def form_view(form: Form, channel_id: str) -> dict[str, Any]:
    """A core ``Form`` as a Slack modal (views.open). The channel travels in ``private_metadata``: a
    view_submission payload does not name one."""
    return {
        "type": "modal",
        "callback_id": form.action,
        "private_metadata": json.dumps({"channel": channel_id}),
        "title": {"type": "plain_text", "text": form.title[:24]},
        "submit": {"type": "plain_text", "text": form.submit[:24]},
        "blocks": [
            {
                "type": "input",
                "block_id": FORM_BLOCK,
                "label": {"type": "plain_text", "text": form.label[:2000]},
                "element": {
                    "type": "plain_text_input",
                    "action_id": FORM_INPUT,
                    "multiline": True,
                    "max_length": min(form.max_length, 3000),
                    "placeholder": {"type": "plain_text", "text": form.placeholder[:150]},
                },
            }
        ],
    }


def view_event(
    body: dict[str, Any], *, is_admin: bool, team_id: str | None = None, enterprise_id: str | None = None
) -> FormSubmitted | None:
    """A ``view_submission`` of one of our modals. Its event id is the view's id, so a retried submission of the
    same view is handled once. ``team_id`` and ``enterprise_id``: the installation's, as for ``action_event``."""
    view = body.get("view") or {}
    if body.get("type") != "view_submission" or not view.get("callback_id"):
        return None
    try:
        channel_id = str(json.loads(view.get("private_metadata") or "{}").get("channel") or "")
    except (ValueError, AttributeError):
        channel_id = ""
    if not channel_id:  # not a modal of ours (we always name the channel): nowhere to answer
        return None
    values = (view.get("state") or {}).get("values") or {}
    text = ((values.get(FORM_BLOCK) or {}).get(FORM_INPUT) or {}).get("value") or ""
    user = body.get("user") or {}
    team_id = team_id or (body.get("team") or {}).get("id") or user.get("team_id") or ""
    origin = Origin(
        platform=PLATFORM,
        tenant_id=team_id,
        channel_id=channel_id,
        user_id=user.get("id") or "",
        user_name=user.get("username") or user.get("name") or "",
        tenant_name=(body.get("team") or {}).get("domain") or "",
        is_admin=is_admin,
        event_id=f"view:{view['id']}" if view.get("id") else None,
        reply_handle=ReplyHandle(team_id, channel_id, user.get("id") or "", enterprise_id=enterprise_id),
    )
    return FormSubmitted(origin, view["callback_id"], text)


def _text(body: dict[str, Any], section: str, key: str) -> Any:
    """``body[section][key]``, or "" when either is missing or empty (Slack omits fields rather than nulling them)."""
    return (body.get(section) or {}).get(key) or ""
