"""Slack's published conformance files (``../shared/conformance/slack``): the app-manifest schema and the sample
Events API and interactivity payloads, read in place (never copied into the project)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "slack"
SCHEMA_URL_PREFIX = "https://raw.githubusercontent.com/slackapi/manifest-schema/"


def require_conformance() -> Path:
    if not CONFORMANCE.is_dir():
        pytest.skip(f"Slack conformance files not found at {CONFORMANCE} (../shared/conformance/slack)")
    return CONFORMANCE


def manifest_validator() -> Any:
    """A jsonschema validator for Slack's all-versions manifest schema, its ``$ref`` URLs served from schemas/."""
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    root = require_conformance()

    def retrieve(uri: str) -> Resource:
        if not uri.startswith(SCHEMA_URL_PREFIX):
            raise LookupError(f"unexpected schema reference {uri}")
        local = root / "schemas" / uri.rsplit("/", 1)[-1]
        return Resource.from_contents(json.loads(local.read_text()), default_specification=DRAFT7)

    schema = json.loads((root / "manifest.schema.json").read_text())
    return Draft7Validator(schema, registry=Registry(retrieve=retrieve))  # type: ignore[call-arg]


def schema_errors(document: dict[str, Any]) -> list[str]:
    """Every schema violation, with its path, for a readable assertion message."""
    out: list[str] = []

    def leaves(errors: Any) -> None:
        for error in errors:
            if error.context:
                leaves(error.context)
            else:
                line = f"{'/'.join(map(str, error.absolute_path))}: {error.message[:200]}"
                if line not in out:
                    out.append(line)

    leaves(manifest_validator().iter_errors(document))
    return out


TEAM, CHANNEL, USER, BOT_USER, APP = "T1", "C1", "U2", "UBOT", "A1"
_TEAM_KEYS = {"team_id", "team", "context_team_id", "user_team", "source_team", "app_installed_team_id"}
_ENTERPRISE_KEYS = {"enterprise_id", "context_enterprise_id", "enterprise", "enterprise_name"}
_USER_KEYS = {"user_id", "user", "inviter", "actor_id"}
_CHANNEL_KEYS = {"channel_id", "channel"}


def sample_files(kind: str) -> list[Path]:
    """``events`` or ``app-backend``: the sample payloads, by name."""
    return sorted((require_conformance() / kind).glob("*.json"))


def fill_ids(payload: Any, *, response_url: str, serial: int, parent: str = "") -> Any:
    """A sample with its blank ids filled to the test workspace (team T1, channel C1, member U2, app A1) and no
    enterprise (a plain workspace); the authorization is the bot's."""
    if isinstance(payload, list):
        return [fill_ids(v, response_url=response_url, serial=serial, parent=parent) for v in payload]
    if not isinstance(payload, dict):
        return payload
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if key in _ENTERPRISE_KEYS:
            out[key] = None
            continue
        if isinstance(value, (dict, list)):
            out[key] = fill_ids(value, response_url=response_url, serial=serial, parent=key)
            continue
        if value != "":
            out[key] = value
        elif key == "id" and parent in ("team", "user", "channel"):
            out[key] = {"team": TEAM, "user": USER, "channel": CHANNEL}[parent]
        elif key in _TEAM_KEYS:
            out[key] = TEAM
        elif key in _USER_KEYS:
            out[key] = BOT_USER if parent == "authorizations" else USER
        elif key in _CHANNEL_KEYS:
            out[key] = CHANNEL
        elif key in ("api_app_id", "app_id"):
            out[key] = APP
        elif key == "event_id":
            out[key] = f"EvSAMPLE{serial:06d}"
        elif key == "trigger_id":
            out[key] = f"trigger.sample.{serial}"
        elif key == "response_url":
            out[key] = response_url
        else:
            out[key] = value
    if parent == "authorizations":
        out["is_bot"] = True
    if out.get("type") == "" and isinstance(out.get("event"), dict):
        out["type"] = "event_callback"
    return out
