"""The studybot command as a user runs it: the demo, the console with piped stdin, settings errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

STUDYBOT = str(Path(sys.executable).parent / "studybot")


def run(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path | None = None, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("STUDYBOT_", "DATABASE_URL"))}
    clean.update(env or {})
    return subprocess.run(
        [STUDYBOT, *args], input=stdin, capture_output=True, text=True, env=clean, cwd=cwd, timeout=timeout
    )


def test_demo_runs_the_whole_story(tmp_path: Path) -> None:
    result = run("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("Question of the day") == 10
    assert "Model answer" in out and "Quiz 1/" in out and "I knew it" in out
    assert "dave's streak" in out and "Current: 3 question days" in out and "Longest: 5 question days" in out
    assert "Leaderboard: members, all time" in out and "Leaderboard: teams, all time" in out
    assert "pts per member" in out
    assert "Traceback" not in out + result.stderr
    assert list(tmp_path.iterdir()) == []  # the demo leaves nothing behind


def test_console_reads_piped_stdin(tmp_path: Path) -> None:
    script = (
        "\n".join(
            [
                "/studybot schedule 08:00 America/Sao_Paulo mon-fri",
                "/studybot post",
                ":as bob",
                ":react 👀",
                ":click 3",
                "/streak",
                ":next-day",
                ":react eyes",
                "/streak",
                "/leaderboard",
                "/studybot schedule 09:00 Berlin",
                ":quit",
                "/studybot help",  # after :quit: never read
            ]
        )
        + "\n"
    )
    db = tmp_path / "console.db"
    result = run("console", "--db", str(db), stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Question of the day" in out and "Model answer" in out
    assert "Nice: marked as known." in out
    assert "Current: 2 question days" in out
    assert "Only workspace admins can change" in out  # bob is not an admin
    assert "Studybot: a daily question" not in out and "For everyone" not in out
    assert db.exists()
    # the same database keeps the history
    again = run("console", "--db", str(db), stdin=":as bob\n/streak\n")
    assert "Current: 2 question days" in again.stdout


def test_console_ends_at_end_of_input(tmp_path: Path) -> None:
    result = run("console", "--db", str(tmp_path / "c.db"), stdin="/studybot status\n")
    assert result.returncode == 0 and "studybot in this channel" in result.stdout


def test_bad_settings_get_a_clear_message_not_a_traceback(tmp_path: Path) -> None:
    result = run("console", env={"STUDYBOT_DEFAULT_TIMEZONE": "Berlin"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "STUDYBOT_DEFAULT_TIMEZONE" in result.stderr and "Europe/Berlin" in result.stderr
    assert "Traceback" not in result.stderr
    result = run("db", "upgrade", env={"DATABASE_URL": "mysql://nope"}, cwd=tmp_path)
    assert result.returncode == 2 and "DATABASE_URL" in result.stderr and "sqlite:///" in result.stderr
    result = run(
        "console",
        env={"STUDYBOT_DEFAULT_DECK": "nope", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
        cwd=tmp_path,
        stdin="",
    )
    assert result.returncode == 2 and "STUDYBOT_DEFAULT_DECK" in result.stderr and "mlops-interview" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade(tmp_path: Path) -> None:
    result = run("db", "upgrade", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'up.db'}"})
    from bot.storage.migrate import MIGRATIONS_DIR

    head = sorted(p.name.split("_")[0] for p in (MIGRATIONS_DIR / "versions").glob("0*.py"))[-1]
    assert result.returncode == 0 and f"database at revision {head}" in result.stdout
    assert (tmp_path / "up.db").exists()
