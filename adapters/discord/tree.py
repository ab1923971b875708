"""Discord application commands built from the core's one registry.

Top-level registry commands become slash commands; their registry subcommands become Discord subcommands
(``/team create name:...``, ``/studybot schedule time:... timezone:... days:...``). Parameters become typed options:
``integer`` an integer option, ``choice`` a string option with choices, ``user`` a user option, every other kind a
string option, with autocomplete for categories, teams, timezones and decks. Descriptions are the core's help
texts, in English with Brazilian Portuguese localizations.

Admin commands: Discord sets default member permissions per top-level command only, so a top-level command with
any admin subcommand (``/studybot``) requires Manage Server by default. Its member subcommands (help, status) are
then for admins unless a server opens ``/studybot`` to everyone in Server Settings > Integrations; the admin
subcommands stay refused at run time to anyone without Manage Server. Member commands (``/quiz``, ``/streak``,
``/leaderboard``, ``/team``) are top-level commands open to everyone.

The callbacks read the raw interaction data (``translate.command_text``), not the converted arguments: the core
parses the command text itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

import discord
from discord import app_commands

from adapters.discord.render import shorten
from bot.commands.registry import Command, Param
from bot.i18n import LANGUAGES, t

DESCRIPTION_LIMIT = 100
NAME_LIMIT = 32
AUTOCOMPLETE_KINDS = frozenset({"category", "team", "timezone", "deck"})
LOCALES = {discord.Locale.brazil_portuguese: "pt-BR"}
OPTION_TYPES: dict[str, Any] = {"integer": int, "user": discord.User}

RunCommand = Callable[[discord.Interaction[Any]], Awaitable[None]]
Autocomplete = Callable[[discord.Interaction[Any], str, str], Awaitable[list[str]]]


def valid_name(name: str) -> bool:
    """Discord's rule for command and option names, ``^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, lowercase
    where a letter has a lowercase form."""
    return (
        1 <= len(name) <= NAME_LIMIT
        and name == name.lower()
        and all(c.isalnum() or c in "-_" or "\u0900" <= c <= "\u097f" or "\u0e00" <= c <= "\u0e7f" for c in name)
    )


def _text(key: str) -> app_commands.locale_str:
    """An English text of the core, carrying its key so the translator can localize it."""
    return app_commands.locale_str(shorten(t("en", key), DESCRIPTION_LIMIT), key=key)


def _name(kind: str, name: str) -> app_commands.locale_str:
    """A command (``kind`` "command") or option ("option") name, localized from ``discord.<kind>.<name>``."""
    return app_commands.locale_str(name, key=f"discord.{kind}.{name}", name=True)


def _choice(value: str) -> app_commands.Choice[str]:
    """A choice shown by its name (``discord.choice.<value>``); the core receives its value."""
    key = f"discord.choice.{value}"
    shown = t("en", key) if key in LANGUAGES["en"] else value
    return app_commands.Choice(name=app_commands.locale_str(shorten(shown, DESCRIPTION_LIMIT), key=key), value=value)


class CoreTranslator(app_commands.Translator):
    """Localizes names and descriptions with the core's texts (``locale_str`` extras carry the i18n key). A name
    that breaks Discord's rules is left unlocalized rather than failing the whole command sync."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        key = string.extras.get("key")
        language = LOCALES.get(locale)
        if key is None or language is None or key not in LANGUAGES[language]:
            return None
        text = t(language, key)
        if string.extras.get("name"):
            return text if valid_name(text) else None
        return shorten(text, DESCRIPTION_LIMIT)


def command_description(command: Command) -> app_commands.locale_str:
    """A Discord-specific description where the core's help text is a usage line, else the help text."""
    key = f"discord.describe.{'.'.join(command.path)}"
    return _text(key if key in LANGUAGES["en"] else command.help_key)


def option_description(command: Command, index: int, param: Param) -> app_commands.locale_str | str:
    """The option's own text (``discord.describe.<command path>.<option>``), else the core's text for its kind
    (``arg.timezone``)."""
    for key in (f"discord.describe.{'.'.join(command.path)}.{param.name}", f"arg.{param.kind}"):
        if all(key in texts for texts in LANGUAGES.values()):
            return _text(key)
    return shorten(param.name, DESCRIPTION_LIMIT)


def _callback(
    command: Command, run: RunCommand, autocomplete: Autocomplete
) -> Callable[..., Coroutine[Any, Any, None]]:
    """A callback whose signature declares the command's options, the way discord.py reads them."""

    async def callback(interaction: discord.Interaction[Any], **_options: Any) -> None:
        await run(interaction)

    first = inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction)
    parameters = [first]
    for param in sorted(command.params, key=lambda p: not p.required):
        kind = OPTION_TYPES.get(param.kind, str)
        parameters.append(
            inspect.Parameter(
                param.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=kind if param.required else kind | None,
                default=inspect.Parameter.empty if param.required else None,
            )
        )
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    descriptions = {p.name: option_description(command, i, p) for i, p in enumerate(command.params)}
    app_commands.describe(**descriptions)(callback)
    if command.params:
        app_commands.rename(**{p.name: _name("option", p.name) for p in command.params})(callback)
    choices = {p.name: [_choice(c) for c in p.choices[:25]] for p in command.params if p.choices}
    if choices:
        app_commands.choices(**choices)(callback)
    completers = {p.name: _completer(p.kind, autocomplete) for p in command.params if p.kind in AUTOCOMPLETE_KINDS}
    if completers:
        app_commands.autocomplete(**completers)(callback)
    return callback


def _completer(
    kind: str, autocomplete: Autocomplete
) -> Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]:
    async def complete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        values = await autocomplete(interaction, kind, current)
        return [app_commands.Choice(name=shorten(v, 100), value=v[:100]) for v in values[:25]]

    return complete


def build_commands(
    registry: Mapping[tuple[str, ...], Command], run: RunCommand, autocomplete: Autocomplete
) -> list[app_commands.Command[Any, ..., Any] | app_commands.Group]:
    """The slash commands of the registry: groups for commands with subcommands, plain commands otherwise."""
    built: list[app_commands.Command[Any, ..., Any] | app_commands.Group] = []
    for path, command in registry.items():
        if len(path) != 1:
            continue
        subs = [c for p, c in registry.items() if len(p) == 2 and p[0] == path[0]]
        admin = command.admin or any(c.admin for c in subs)
        permissions = discord.Permissions(manage_guild=True) if admin else None
        if subs:
            # A group that runs one of its subcommands when invoked alone (/studybot is /studybot help) is
            # described by the bot's title rather than by that subcommand's text.
            own_text = command.help_key not in {c.help_key for c in subs}
            group = app_commands.Group(
                name=_name("command", path[0]),
                description=_text(command.help_key if own_text else "help.title"),
                guild_only=True,
                default_permissions=permissions,
            )
            for sub in subs:
                group.add_command(
                    app_commands.Command(
                        name=_name("command", sub.path[1]),
                        description=command_description(sub),
                        callback=_callback(sub, run, autocomplete),
                        parent=group,
                    )
                )
            built.append(group)
        else:
            single: app_commands.Command[Any, ..., None] = app_commands.Command(
                name=_name("command", path[0]),
                description=command_description(command),
                callback=_callback(command, run, autocomplete),
            )
            single.guild_only = True
            single.default_permissions = permissions
            built.append(single)
    return built


def build_tree(
    client: discord.Client, registry: Mapping[tuple[str, ...], Command], run: RunCommand, autocomplete: Autocomplete
) -> app_commands.CommandTree[Any]:
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(
        client,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        allowed_installs=app_commands.AppInstallationType(guild=True),
    )
    for command in build_commands(registry, run, autocomplete):
        tree.add_command(command)
    return tree
