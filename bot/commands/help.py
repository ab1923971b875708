"""``/studybot help``: every command with its arguments and what it does, from the registry."""

from __future__ import annotations

from bot.commands.args import Args
from bot.commands.context import Context
from bot.i18n import t
from bot.messages import Field, Kind, Message, Outcome


def help_message(language: str, emoji: str = "👀") -> Message:
    from bot.commands.registry import build_registry

    registry = build_registry()
    member_lines: list[str] = []
    admin_lines: list[str] = []
    for command in registry.values():
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


async def show_help(ctx: Context, args: Args) -> Outcome:
    args.done()
    with ctx.transaction() as (_session, actor):
        emoji, lang = actor.channel.reveal_emoji, actor.channel.language
    return Outcome().add(help_message(lang, emoji), private=True)
