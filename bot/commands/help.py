"""``/studybot help``: every command with its arguments and what it does, from the registry."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from bot.commands.args import Args
from bot.commands.context import Context
from bot.i18n import t
from bot.messages import Field, Kind, Message, Outcome

if TYPE_CHECKING:  # the registry imports this module, never the other way at run time
    from bot.commands.registry import Command, Handler


def help_message(commands: Iterable[Command], language: str, emoji: str = "👀") -> Message:
    member_lines: list[str] = []
    admin_lines: list[str] = []
    for command in commands:
        if command.handler is None or command.path == ("studybot",):
            continue
        line = f"`{command.synopsis}`: {t(language, command.help_key)}"
        (admin_lines if command.admin else member_lines).append(line)
    return Message(
        Kind.HELP,
        title=f"📖 {t(language, 'help.title')}",
        body=t(language, "help.intro", emoji=emoji),
        fields=(
            Field(t(language, "help.members"), "\n".join(member_lines), inline=False),
            Field(t(language, "help.admins"), "\n".join(admin_lines), inline=False),
        ),
        footer=t(language, "help.aliases"),
    )


def help_handler(commands: Callable[[], Iterable[Command]]) -> Handler:
    """The ``/studybot help`` handler over the registry's commands (read when it runs)."""

    async def show_help(ctx: Context, args: Args) -> Outcome:
        args.done()
        with ctx.transaction() as (_session, actor):
            emoji, lang = actor.channel.reveal_emoji, ctx.member_language(actor)
        return Outcome().add(help_message(commands(), lang, emoji), private=True)

    return show_help
