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
