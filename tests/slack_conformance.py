"""Slack's published conformance files (``../shared/conformance/slack``): the app-manifest schema and the sample
Events API and interactivity payloads, read in place (never copied into the project)."""

from __future__ import annotations

import json
import re
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


_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")
#: Limits Slack documents that slack_sdk's models do not check themselves.
SECTION_FIELD_LIMIT, CONTEXT_TEXT_LIMIT, MESSAGE_BLOCKS, HOME_BLOCKS = 2000, 3000, 50, 100


def _texts(value: Any) -> list[tuple[str, str]]:
    """(type, text) of every text object in a block, however deep."""
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        if value.get("type") in ("mrkdwn", "plain_text") and isinstance(value.get("text"), str):
            found.append((value["type"], value["text"]))
        for item in value.values():
            found += _texts(item)
    elif isinstance(value, list):
        for item in value:
            found += _texts(item)
    return found


def block_problems(blocks: list[dict[str, Any]], *, home: bool = False) -> list[str]:
    """Every way ``blocks`` break Slack's rules: parsed with slack_sdk's Block (or a home View) models, whose
    ``to_dict`` checks lengths and counts, plus the documented limits the models leave out."""
    from slack_sdk.errors import SlackObjectFormationError
    from slack_sdk.models.blocks import Block
    from slack_sdk.models.views import View

    problems: list[str] = []
    if not blocks:
        problems.append("no blocks")
    if len(blocks) > (HOME_BLOCKS if home else MESSAGE_BLOCKS):
        problems.append(f"{len(blocks)} blocks")
    try:
        if home:
            View(type="home", blocks=blocks).to_dict()
        for raw in blocks:
            parsed = Block.parse(raw)
            if parsed is None:
                problems.append(f"unknown block {raw.get('type')}")
            else:
                parsed.to_dict()
    except SlackObjectFormationError as exc:
        problems.append(str(exc))
    for raw in blocks:
        for field in raw.get("fields") or []:
            if not 0 < len(field["text"]) <= SECTION_FIELD_LIMIT:
                problems.append(f"field of {len(field['text'])} characters")
        if raw["type"] == "context":
            for element in raw["elements"]:
                if not 0 < len(element.get("text", "x")) <= CONTEXT_TEXT_LIMIT:
                    problems.append(f"context text of {len(element['text'])} characters")
        for kind, text in _texts(raw):
            if not text.strip():
                problems.append(f"empty {kind} text in a {raw['type']} block")
            if kind == "mrkdwn" and (_ENTITY.search(text) or text.count("<") != text.count(">")):
                problems.append(f"a cut entity or link in {text[:40]!r}...{text[-40:]!r}")
    return problems


def payload_problems(fake: Any) -> list[str]:
    """Every block and notification text studybot sent to the fake Slack (Web API calls and response_urls)."""
    problems: list[str] = []
    sent = [(c.method, c.args) for c in fake.calls] + [("response_url", body) for _, body in fake.responses]
    for method, args in sent:
        if method == "views.publish":
            view = args["view"] if isinstance(args["view"], dict) else json.loads(args["view"])
            problems += [f"{method}: {p}" for p in block_problems(view["blocks"], home=True)]
        elif "blocks" in args or "text" in args:
            blocks = args.get("blocks")
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            if blocks is not None:
                problems += [f"{method}: {p}" for p in block_problems(blocks)]
            text = args.get("text") or ""
            if not text.strip() or "**" in text or _ENTITY.search(text):
                problems.append(f"{method}: notification text {text[:60]!r}")
    return problems
