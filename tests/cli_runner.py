"""The ``studybot`` command in-process, through typer's CliRunner: the same Typer app and code as the console
script, without starting Python for every run. Each command family keeps one test that runs the real console
script in a subprocess (entry point, exit code, streams)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from adapters.cli import app

#: Settings a test run must not inherit from the environment it runs in.
CLEARED_PREFIXES = ("STUDYBOT_", "DATABASE_URL", "SLACK_", "DISCORD_")


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def invoke(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Run:
    """``studybot ARGS`` in ``cwd`` with only ``env`` set of the settings; an unexpected exception propagates
    (where the console script would print a traceback)."""
    cleared: dict[str, str | None] = {k: None for k in os.environ if k.startswith(CLEARED_PREFIXES)}
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(
            app, [str(a) for a in args], env={**cleared, "NO_COLOR": "1", "TERM": "dumb", **(env or {})}
        )
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)
