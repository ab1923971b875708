"""Requests studybot sends to Discord, held against Discord's own OpenAPI description of its HTTP API
(``../shared/conformance/discord/openapi.json``, read in place, never copied) and its documented limits for
application commands.

``problems(call)`` names what Discord would refuse in one recorded call of the fake REST server; ``command_problems``
checks a synced command list against the limits the OpenAPI description cannot express (name rules, localizations,
the 4,000-character total per command and locale).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from fakes.discord_fake import Call

SPEC = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "discord" / "openapi.json"
ABSENT = f"Discord's OpenAPI description is not at {SPEC} (the shared conformance folder is absent)"
NAME_LIMIT, DESCRIPTION_LIMIT, CHOICE_LIMIT, OPTION_LIMIT, COMMAND_TOTAL = 32, 100, 25, 25, 4000
LOCALE = "pt-BR"


def available() -> bool:
    return SPEC.is_file()


@cache
def _spec() -> dict[str, Any]:
    return json.loads(SPEC.read_text(encoding="utf-8"))


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Each path of the description as a pattern (``{channel_id}`` matches one segment), literal paths first so
    ``/users/@me/channels`` is not read as ``/users/{user_id}/channels``."""
    paths = sorted(_spec()["paths"], key=lambda p: p.count("{"))
    def pattern(path: str) -> re.Pattern[str]:
        segments = ("[^/]+" if s.startswith("{") else re.escape(s) for s in path.split("/"))
        return re.compile("^" + "/".join(segments) + "$")

    return [(pattern(p), p) for p in paths]


def template(path: str) -> str | None:
    return next((name for pattern, name in _templates() if pattern.match(path)), None)


@cache
def _validator(path: str, method: str, content_type: str) -> Any:
    from openapi_schema_validator import OAS31Validator

    operation = _spec()["paths"][path][method]
    schema = operation["requestBody"]["content"][content_type]["schema"]
    return OAS31Validator({**schema, "components": _components()})


@cache
def _components() -> dict[str, Any]:
    """The description's components, with one widening: a snowflake may be an integer as well as a string of
    digits. discord.py sends some ids as JSON integers (``recipient_id`` of a DM, the ``id`` of an attachment),
    which Discord's API accepts; the description only spells the string form."""
    components = dict(_spec()["components"])
    schemas = dict(components["schemas"])
    schemas["SnowflakeType"] = {"oneOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]}
    components["schemas"] = schemas
    return components


def problems(call: Call) -> list[str]:
    """What Discord's description says is wrong with the body of ``call`` (empty when it conforms)."""
    if call.body is None or call.method in ("GET", "DELETE"):
        return []
    path = template(call.path)
    if path is None:
        return [f"{call.method} {call.path} is not in Discord's API"]
    operation = _spec()["paths"][path].get(call.method.lower())
    if operation is None or "requestBody" not in operation:
        return [f"{call.method} {path} takes no body in Discord's API"]
    body = dict(call.body) if isinstance(call.body, dict) else call.body
    content_type = "application/json"
    if isinstance(body, dict) and "files" in body:  # multipart: payload_json plus files[n]
        body.pop("files")
        content_type = "multipart/form-data" if "multipart/form-data" in operation["requestBody"]["content"] else (
            "application/json")
    validator = _validator(path, call.method.lower(), content_type)
    return [f"{call.method} {path}: {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
            for e in validator.iter_errors(body)]


def _name_ok(name: str) -> bool:
    """``^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, lowercase where there is a lowercase form."""
    return (0 < len(name) <= NAME_LIMIT and name == name.lower()
            and all(c.isalnum() or c in "-_" or "\u0900" <= c <= "\u097f" or "\u0e00" <= c <= "\u0e7f" for c in name))


def _usage_like(text: str) -> bool:
    """Raw usage text (``CATEGORY``, ``users|teams``, ``HH:MM|off``) instead of a sentence."""
    return "|" in text or bool(re.fullmatch(r"[A-Z_,.:\[\] ]+", text))


def command_problems(commands: list[dict[str, Any]]) -> list[str]:
    """Discord's documented limits for application commands, and studybot's own rule that every command, option
    and choice has a real description and a pt-BR localization of its name and description."""
    found: list[str] = []

    def item(where: str, entry: dict[str, Any], *, choice: bool = False) -> None:
        name = entry["name"]
        names = entry.get("name_localizations") or {}
        if not names.get(LOCALE):
            found.append(f"{where}: no {LOCALE} name")
        if choice:
            if not all(0 < len(n) <= DESCRIPTION_LIMIT for n in (name, *names.values())):
                found.append(f"{where}: choice name not 1-100 characters")
            return
        if not all(_name_ok(n) for n in (name, *names.values())):
            found.append(f"{where}: name breaks Discord's rules: {[name, *names.values()]}")
        descriptions = entry.get("description_localizations") or {}
        if not descriptions.get(LOCALE):
            found.append(f"{where}: no {LOCALE} description")
        for text in (entry.get("description") or "", *descriptions.values()):
            if not 0 < len(text) <= DESCRIPTION_LIMIT:
                found.append(f"{where}: description not 1-100 characters: {text!r}")
            elif _usage_like(text):
                found.append(f"{where}: description is usage text: {text!r}")

    def walk(where: str, entry: dict[str, Any]) -> None:
        item(where, entry)
        options = entry.get("options") or []
        if len(options) > OPTION_LIMIT:
            found.append(f"{where}: more than {OPTION_LIMIT} options")
        if len({o["name"] for o in options}) != len(options):
            found.append(f"{where}: option names repeat")
        required = [bool(o.get("required")) for o in options]
        if required != sorted(required, reverse=True):
            found.append(f"{where}: a required option after an optional one")
        for option in options:
            walk(f"{where} {option['name']}", option)
        choices = entry.get("choices") or []
        if len(choices) > CHOICE_LIMIT:
            found.append(f"{where}: more than {CHOICE_LIMIT} choices")
        for choice in choices:
            item(f"{where} ={choice['value']}", choice, choice=True)

    def total(entry: dict[str, Any], locale: str | None) -> int:
        def text(e: dict[str, Any], key: str) -> str:
            return ((e.get(f"{key}_localizations") or {}).get(locale) if locale else None) or e.get(key) or ""
        size = len(text(entry, "name")) + len(text(entry, "description")) + len(str(entry.get("value") or ""))
        return size + sum(total(o, locale) for o in (entry.get("options") or []) + (entry.get("choices") or []))

    for command in commands:
        walk(f"/{command['name']}", command)
        for locale in (None, LOCALE):
            if total(command, locale) > COMMAND_TOTAL:
                found.append(f"/{command['name']}: over {COMMAND_TOTAL} characters ({locale or 'default'})")
    return found
