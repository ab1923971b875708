"""A console session: one local channel, members who take turns, and a clock that moves on ``:next-day``.

Lines starting with ``/`` are slash commands; meta commands start with ``:``. The same object drives
``studybot console`` (lines from stdin) and ``studybot demo`` (a script).
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from adapters.console.render import print_message
from bot.bootstrap import App
from bot.clock import ManualClock
from bot.events import ButtonPressed, CommandInvoked, Origin, ReactionAdded
from bot.messages import Button, Message
from bot.ports import Capabilities, ChannelRef
from bot.posts.daily import post_daily
from bot.services.directory import channel_schedule, ensure_actor
from bot.services.posting import latest_post
from bot.storage.ids import id_of

PLATFORM = "console"
TENANT = "local"
CHANNEL = "general"
ADMIN = "alice"

META_HELP = """Meta commands:
  :as NAME       act as another member (created on first use; alice is admin)
  :react EMOJI   react to the latest daily question (:react 👀 or :react eyes)
  :click N       press button N of the latest message that has buttons
  :next-day      move the clock to the next question day and post its question
  :help          this list
  :quit          leave
Slash commands: /studybot help"""


@dataclass
class _Shown:
    message_id: str
    buttons: tuple[Button, ...]


class ConsolePort:
    """ChatPort for the terminal: every message is printed; private ones are marked as such."""

    platform = PLATFORM
    capabilities = Capabilities(ephemeral=True, threads=False, spoilers=False, buttons=True, direct_messages=False)

    def __init__(self, console: Console, *, body_limit: int | None = None, files_dir: Path | None = None):
        self.console = console
        self.body_limit = body_limit
        self.files_dir = files_dir or Path.cwd()
        self._ids = itertools.count(1)
        self.latest_with_buttons: _Shown | None = None
        self.latest_daily_post: str | None = None
        self.sent: list[tuple[str, Message]] = []  # (kind of delivery, message), for tests and the demo

    def _show(self, message: Message, *, private: bool, edited: bool = False, message_id: str | None = None) -> str:
        message_id = message_id or str(next(self._ids))
        print_message(self.console, "studybot", message, private=private, edited=edited, body_limit=self.body_limit)
        if message.buttons:
            self.latest_with_buttons = _Shown(message_id, message.buttons)
        return message_id

    async def post(
        self, channel: ChannelRef, message: Message, *, thread: str | None = None, key: str | None = None
    ) -> str:
        self.sent.append(("thread" if thread else "post", message))
        message_id = self._show(message, private=False)
        if message.kind == "question":
            self.latest_daily_post = message_id
        return message_id

    async def reply(self, origin: Origin, message: Message, *, private: bool) -> None:
        self.sent.append(("private" if private else "reply", message))
        self._show(message, private=private)

    async def edit(self, origin: Origin, message_id: str | None, message: Message) -> None:
        self.sent.append(("edit", message))
        self._show(message, private=True, edited=True, message_id=message_id)

    async def upload(
        self, origin: Origin, message: Message, filename: str, data: bytes, *, private: bool = False,
        alt_text: str = "",
    ) -> None:
        """The terminal cannot show a picture: it is saved to a file whose path is printed with its description."""
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / filename.replace("/", "_")
        path.write_bytes(data)
        self.sent.append(("private upload" if private else "upload", message))
        self._show(message, private=private)
        self.console.print(f"  (picture saved to {path}{': ' + alt_text if alt_text else ''})", markup=False,
                           highlight=False, emoji=False, soft_wrap=False)

    async def send_direct(self, tenant_id: str, user_id: str, message: Message) -> None:
        self.sent.append(("direct", message))
        self.console.print(f"(direct message to {user_id})", markup=False, highlight=False)
        self._show(message, private=True)


class ConsoleSession:
    def __init__(self, app: App, console: Console, clock: ManualClock, *, body_limit: int | None = None,
                 files_dir: Path | None = None, echo: bool = True):
        self.app = app
        self.echo = echo  # repeat command lines in the output (a script, piped input); a terminal shows them
        self.console = console
        self.clock = clock
        self.port = ConsolePort(console, body_limit=body_limit, files_dir=files_dir)
        self.user = ADMIN

    def origin(self) -> Origin:
        return Origin(
            platform=PLATFORM,
            tenant_id=TENANT,
            channel_id=CHANNEL,
            user_id=self.user,
            user_name=self.user,
            channel_name="#general",
            tenant_name="local",
            is_admin=self.user == ADMIN,
            event_id=uuid.uuid4().hex,
        )

    def say(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False, soft_wrap=False)

    async def run_line(self, line: str) -> bool:
        """Handle one input line; False when the session should end."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        if line.startswith("/"):
            name, _, text = line[1:].partition(" ")
            if self.echo:
                self.say(f"{self.user}> {line}")
            await self.app.core.handle(CommandInvoked(self.origin(), name, text), self.port)
            return True
        if not line.startswith(":"):
            self.say("Lines start with / for a slash command or : for a meta command (:help lists them).")
            return True
        meta, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        match meta.casefold():
            case "quit" | "q" | "exit":
                return False
            case "help":
                self.say(META_HELP)
            case "as":
                name = arg.lstrip("@")
                if not name or not name.replace("-", "").replace("_", "").isalnum() or len(name) > 32:
                    self.say("Usage: :as NAME (letters, digits, - and _), e.g. :as bob")
                else:
                    self.user = name
                    self.say(f"(you are now {name}{', an admin' if name == ADMIN else ''})")
            case "react":
                await self._react(arg or "👀")
            case "click":
                await self._click(arg)
            case "next-day":
                await self.next_day()
            case _:
                self.say(f"Unknown meta command :{meta}. {META_HELP}")
        return True

    async def _react(self, emoji: str) -> None:
        if self.port.latest_daily_post is None:
            self.say("There is no daily question to react to yet: try /studybot post or :next-day.")
            return
        self.say(f"{self.user} reacted {emoji}")
        await self.app.core.handle(ReactionAdded(self.origin(), self.port.latest_daily_post, emoji), self.port)

    async def _click(self, arg: str) -> None:
        shown = self.port.latest_with_buttons
        if shown is None:
            self.say("No message with buttons yet.")
            return
        if not arg.isdigit() or not 1 <= int(arg) <= len(shown.buttons):
            self.say(f"Usage: :click N, with N from 1 to {len(shown.buttons)}")
            return
        button = shown.buttons[int(arg) - 1]
        self.say(f"{self.user} clicked [{arg}] {button.label}")
        await self.app.core.handle(ButtonPressed(self.origin(), button.action, shown.message_id), self.port)

    async def next_day(self) -> None:
        """Move the clock to the channel's next scheduled slot and post that question day's question."""
        services = self.app.services
        with services.db.transaction() as session:
            actor = ensure_actor(session, self.origin(), services.defaults, self.clock.now())
            channel_id = id_of(actor.channel)
            schedule = channel_schedule(actor.channel)
            day, slot = schedule.next_slot(self.clock.now())
            latest = latest_post(session, channel_id)
            while latest is not None and day <= latest.question_day:  # today's question is out already
                day, slot = schedule.next_slot(slot)
        self.clock.set(slot)
        self.say(f"--- {day:%A %Y-%m-%d}, {slot.astimezone(schedule.zone):%H:%M} ---")
        result = await post_daily(services, self.port, channel_id, day)
        if result.status != "posted":
            self.say(f"(no post: {result.status}{': ' + result.error if result.error else ''})")
