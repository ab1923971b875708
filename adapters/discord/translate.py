"""Discord payload shapes into what the core understands, and button ids back. Pure functions, no I/O.

Application command options come back as the command text the core parses (``/studybot schedule time:09:00
timezone:Europe/Berlin`` is ``CommandInvoked("studybot", "schedule 09:00 Europe/Berlin")``); reactions become
``ReactionAdded`` with the emoji as unicode or ``<:name:id>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.commands.registry import Command
from bot.events import Origin, ReactionAdded

if TYPE_CHECKING:
    import discord

PLATFORM = "discord"

# Application command option types (Discord API).
SUB_COMMAND, SUB_COMMAND_GROUP, USER = 1, 2, 6

# Permission bits (Discord API): a member who may manage the server is an admin for the core.
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5

MAX_CUSTOM_ID = 100
CUSTOM_ID_PATTERN = (
    r"(?P<action>sb:[^|~]{1,80})(?:\|(?P<guild>\d{1,20})\.(?P<channel>\d{1,20})(?P<thread>\.t)?)?"
    r"(?:~(?P<marker>[A-Za-z0-9._-]{1,25}))?"
)
_CUSTOM_ID = re.compile(CUSTOM_ID_PATTERN)
_NEEDS_QUOTES = re.compile(r"[\s\"'“”‘’\\]")


def quote(value: str) -> str:
    """A value as one token for the core's shell-like splitting: quoted when it has spaces, quotes or backslashes.

    Typographic double quotes are escaped too, since the core reads them as plain ones."""
    if value and not _NEEDS_QUOTES.search(value):
        return value
    escaped = re.sub(r"([\\\"“”])", r"\\\1", value)
    return f'"{escaped}"'


def _token(option: Mapping[str, Any]) -> str:
    value = option.get("value")
    if option.get("type") == USER:
        return f"<@{value}>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return quote(str(value if value is not None else ""))


def command_text(data: Mapping[str, Any], registry: Mapping[tuple[str, ...], Command]) -> tuple[str, str]:
    """The command name and text of an application command's ``data`` (subcommands first, then the options in the
    registry's parameter order, whatever order the user typed them in)."""
    path = [str(data.get("name", ""))]
    options: list[Mapping[str, Any]] = list(data.get("options") or [])
    while options and options[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
        path.append(str(options[0].get("name", "")))
        options = list(options[0].get("options") or [])
    given = {str(o.get("name")): o for o in options}
    command = registry.get(tuple(path))
    order = [p.name for p in command.params] if command else []
    names = [n for n in order if n in given] + [n for n in given if n not in order]
    tokens = path[1:] + [_token(given[n]) for n in names]
    return path[0], " ".join(tokens)


def is_admin(permissions: int) -> bool:
    """Manage Server (or Administrator, which implies it) in a permissions bit set."""
    return bool(permissions & (MANAGE_GUILD | ADMINISTRATOR))


def language_of_locale(locale: str) -> str:
    """The core's language for a Discord client locale (``pt-BR`` -> ``pt-BR``, anything else -> ``en``)."""
    return "pt-BR" if locale.lower().startswith("pt") else "en"


@dataclass(frozen=True)
class Route:
    """Where a button's message belongs when the interaction cannot tell: a DM, or a thread reply to a reaction.

    Carried in the button's custom id after the core's action, so it survives restarts. Only a press in a DM
    takes its place from the route (after the bridge checks the presser still belongs to that server); in a
    server the interaction's own guild and channel decide, and a route naming another server is refused."""

    guild_id: str
    channel_id: str
    thread: bool = False  # a public thread message: its edits go to the member who clicked, privately


def custom_id(action: str, route: Route | None = None, marker: str | None = None) -> str:
    """The custom id of a core button: its action, its route, and the marker of a keyed post (``~marker``: how
    the recovery lookup recognises the post among a channel's messages; members never see it)."""
    value = action if route is None else f"{action}|{route.guild_id}.{route.channel_id}{'.t' if route.thread else ''}"
    if marker is not None:
        value += f"~{marker}"
    if len(value) > MAX_CUSTOM_ID or not _CUSTOM_ID.fullmatch(value):
        raise ValueError(f"button action {action!r} does not fit in a Discord custom id")
    return value


def custom_id_marker(value: str) -> str | None:
    """The keyed post's marker a custom id carries, if any."""
    found = _CUSTOM_ID.fullmatch(value)
    return found["marker"] if found else None


def parse_custom_id(value: str) -> tuple[str, Route | None] | None:
    """The core's action and the route of a custom id; None for ids that are not ours."""
    found = _CUSTOM_ID.fullmatch(value)
    if found is None:
        return None
    route = None
    if found["guild"]:
        route = Route(found["guild"], found["channel"], bool(found["thread"]))
    return found["action"], route


def emoji_text(name: str | None, emoji_id: int | str | None, animated: bool = False) -> str:
    """Unicode emoji as they are; custom ones as ``<:name:id>`` (``<a:name:id>`` when animated)."""
    if emoji_id:
        return f"<{'a' if animated else ''}:{name or '_'}:{emoji_id}>"
    return name or ""


def reaction_event_id(message_id: int | str, user_id: int | str, emoji: str) -> str:
    """Reaction events carry no id: one member's one emoji on one message is one event."""
    return f"reaction:{message_id}:{user_id}:{emoji}"


def reaction_event(
    payload: discord.RawReactionActionEvent,
    *,
    bot_user_id: int | None,
    reply_handle: object = None,
    channel_name: str = "",
    tenant_name: str = "",
) -> ReactionAdded | None:
    """A reaction added in a server, by a person, on one of the bot's messages; None for anything else."""
    if payload.guild_id is None or payload.user_id == bot_user_id:
        return None
    member = payload.member
    if member is not None and member.bot:
        return None
    if payload.message_author_id is not None and payload.message_author_id != bot_user_id:
        return None
    emoji = emoji_text(payload.emoji.name, payload.emoji.id, payload.emoji.animated)
    origin = Origin(
        platform=PLATFORM,
        tenant_id=str(payload.guild_id),
        channel_id=str(payload.channel_id),
        user_id=str(payload.user_id),
        user_name=member.display_name if member is not None else "",
        channel_name=channel_name,
        tenant_name=tenant_name,
        is_admin=False,  # a reaction never changes settings
        event_id=reaction_event_id(payload.message_id, payload.user_id, emoji),
        reply_handle=reply_handle,
    )
    return ReactionAdded(origin, str(payload.message_id), emoji)
