"""The console and the demo in a real terminal: a pseudo-terminal of a given width, as a new user sees them."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from rich.console import Console

from adapters.console.render import print_message
from adapters.console.session import META_HELP
from bot.cards import quiz_card
from bot.commands.help import help_message
from bot.commands.registry import build_registry
from bot.content.schema import QuizItem
from bot.messages import Kind, Message

STUDYBOT = str(Path(sys.executable).parent / "studybot")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def _spawn(args: list[str], cwd: Path, columns: int) -> tuple[subprocess.Popen[bytes], int]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STUDYBOT_", "DATABASE_URL", "COLUMNS", "LINES"))}
    env.update(TERM="xterm-256color", HOME=str(cwd))
    proc = subprocess.Popen([STUDYBOT, *args], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                            close_fds=True)
    os.close(slave)
    return proc, master


def _read(master: int, until: bytes | None = None, timeout: float = 60) -> bytes:
    buf, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            buf += chunk
            if until is not None and until in buf:
                break
    return buf


def _text(raw: bytes) -> str:
    return _ANSI.sub("", raw.decode("utf-8", "replace")).replace("\r", "")


def test_demo_on_an_80_column_terminal_shows_every_line(tmp_path: Path) -> None:
    proc, master = _spawn(["demo"], tmp_path, 80)
    try:
        out = _text(_read(master, timeout=240))
    finally:
        proc.wait(timeout=60)
        os.close(master)
    assert proc.returncode == 0, out[-2000:]
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "╭" in out  # panels: this is the terminal rendering, not the piped one
    # every quiz option on a line of its own, none cut at the edge
    for letter in "ABCD":
        assert any(re.match(rf"^│ (?:[✅❌] )?{letter}\. ", line) for line in lines), letter
    # leaderboard and team rows one per line
    assert any(re.match(r"^│ .*1\. bob: 34 pts", line) for line in lines)
    assert any(re.match(r"^│ 4\. dave: 13 pts", line) for line in lines)
    assert any(line.startswith("│ Larks (2): carol, dave") for line in lines)
    assert any(line.startswith("│ Owls (2): alice, bob") for line in lines)
    # long texts wrap instead of being cut: the question of day 1 reads whole across two lines
    joined = " ".join(line.strip("│ ") for line in lines)
    assert "How do you keep the cloud cost of training and serving ML models under control?" in joined


def test_console_on_a_terminal_edits_lines_keeps_history_and_echoes_once(tmp_path: Path) -> None:
    proc, master = _spawn(["console", "--db", str(tmp_path / "c.db")], tmp_path, 80)
    try:
        banner = _text(_read(master, until=b"\n> "))
        os.write(master, b"/studybot hepl\x7f\x7flp\r")  # two backspaces fix the typo
        first = _text(_read(master, until=b"\n> "))
        os.write(master, b"\x1b[A\r")  # arrow up: the same command again, from the history
        second = _text(_read(master, until=b"\n> "))
        os.write(master, b":quit\r")
        _read(master, timeout=20)
    finally:
        proc.wait(timeout=30)
        os.close(master)
    for shown in (first, second):
        assert "studybot: a daily question, quizzes and streaks" in shown
        assert "alice> /studybot help" not in shown  # the terminal shows what was typed: no second echo
        assert "^[[A" not in shown
        assert max(len(line) for line in shown.splitlines()) <= 80
    assert "`hepl`" not in first and "is not a subcommand" not in first
    # the greeting and the meta commands wrap between words too
    assert "Meta commands:" in banner and max(len(line) for line in banner.splitlines()) <= 80
    assert "You are alice (an admin)." in " ".join(banner.split())
    assert all(line in banner.splitlines() for line in META_HELP.splitlines())  # each fits on one line


def _render(message: Message, width: int) -> list[str]:
    console = Console(width=width, force_terminal=True, color_system=None, soft_wrap=True, record=True)
    with console.capture() as capture:
        print_message(console, "studybot", message, private=True)
    return capture.get().splitlines()


@pytest.mark.parametrize("width", [80, 100, 160])
def test_messages_wrap_at_any_width_and_keep_their_lines(width: int) -> None:
    item = QuizItem(
        id="q1",
        question="An endpoint has steady 24/7 load, and nightly retraining can be interrupted and resumed. " * 2
        + "Which pricing combination is cheapest?",
        options=["Spot for both the endpoint and the retraining, " * 3, "Reserved for both.", "Reserved and spot.",
                 "On-demand for both, to stay flexible."],
        correct=2,
        explanation="Constant load benefits from commitment discounts.",
    )
    lines = _render(quiz_card(item, "en", "Cloud", 1, 0, 3), width)
    assert max(len(line) for line in lines) <= width
    for letter in "ABCD":
        assert sum(line.startswith(f"│ {letter}. ") for line in lines) == 1, (letter, lines)
    assert "Which pricing combination is cheapest?" in " ".join(line.strip("│ ") for line in lines)
    help_lines = _render(help_message(build_registry().values(), "en"), width)
    assert max(len(line) for line in help_lines) <= width
    entries = [line for line in help_lines if line.startswith("│ /")]
    assert len(entries) >= 15  # one line (at least) per command, never several commands on one line
    assert all(line.count(": ") >= 1 for line in entries)
    board = Message(Kind.LEADERBOARD, title="🏆 Leaderboard", body="🥇 1. bob: 22 pts\n🥈 2. alice: 20 pts\n3. c: 1 pt")
    board_lines = _render(board, width)
    assert [line for line in board_lines if re.match(r"^│ .*\d\. \w+: \d+ pts?", line)].__len__() == 3
