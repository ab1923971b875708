"""The one command registry: every adapter builds its commands (Slack manifest, Discord tree, console) from it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from bot.commands import answers, channel_admin, learning, member_settings, members, posting, quiz
from bot.commands import help as help_command
from bot.commands.args import Args
from bot.commands.context import Context
from bot.messages import Outcome

Handler = Callable[[Context, Args], Awaitable[Outcome]]


ParamKind = Literal[
    "text", "integer", "time", "timezone", "category", "team", "user", "choice", "emoji", "deck", "language",
    "vacation",
]


@dataclass(frozen=True)
class Param:
    """A typed argument, for platforms with typed options (Discord) and for help texts."""

    name: str
    kind: ParamKind
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]  # ("quiz",) or ("studybot", "schedule") or ("team", "create")
    usage: str  # argument synopsis, e.g. "HH:MM TIMEZONE [DAYS]"
    example: str
    help_key: str
    handler: Handler | None  # None for a group that only has subcommands
    admin: bool = False
    params: tuple[Param, ...] = ()
    free_text: bool = False  # the arguments are one free text, taken as typed (no quoting rules, own length limit)

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def synopsis(self) -> str:
        return f"/{self.name} {self.usage}".rstrip()


TOP_LEVEL = ("quiz", "review", "answer", "streak", "stats", "leaderboard", "team", "vacation", "studybot")


def build_registry() -> dict[tuple[str, ...], Command]:
    registry: dict[tuple[str, ...], Command] = {}
    show_help = help_command.help_handler(registry.values)  # reads the registry when it runs
    commands = [
        Command(
            ("quiz",),
            "[CATEGORY] [COUNT]",
            "/quiz basics 3",
            "help.cmd.quiz",
            quiz.quiz,
            params=(Param("category", "category"), Param("count", "integer")),
        ),
        Command(
            ("streak",), "[USER]", "/streak @alice", "help.cmd.streak", members.streak, params=(Param("user", "user"),)
        ),
        Command(
            ("leaderboard",),
            "[users|teams] [week|month|all]",
            "/leaderboard teams month",
            "help.cmd.leaderboard",
            members.leaderboard,
            params=(
                Param("scope", "choice", choices=("users", "teams")),
                Param("period", "choice", choices=("week", "month", "all")),
            ),
        ),
        Command(("review",), "", "/review", "help.cmd.review", learning.review),
        Command(
            ("answer",),
            "TEXT",
            "/answer Data drift is a change in the input distribution...",
            "help.cmd.answer",
            answers.answer_command,
            params=(Param("text", "text", required=True),),
            free_text=True,
        ),
        Command(("stats",), "[USER]", "/stats @alice", "help.cmd.stats", learning.stats,
                params=(Param("user", "user"),)),
        Command(
            ("vacation",), "DAYS|off", "/vacation 7", "help.cmd.vacation", member_settings.vacation,
            params=(Param("days", "vacation", required=True),),
        ),
        Command(("team",), "create|join|leave|list", "/team join Owls", "help.cmd.team", None),
        Command(
            ("team", "create"),
            "NAME",
            '/team create "Night Owls"',
            "help.cmd.team.create",
            members.team_create,
            params=(Param("name", "text", required=True),),
        ),
        Command(
            ("team", "join"),
            "NAME",
            "/team join Owls",
            "help.cmd.team.join",
            members.team_join,
            params=(Param("name", "team", required=True),),
        ),
        Command(("team", "leave"), "", "/team leave", "help.cmd.team.leave", members.team_leave),
        Command(("team", "list"), "", "/team list", "help.cmd.team.list", members.team_list),
        Command(
            ("studybot",),
            "help|status|answer|post|schedule|deck|language|reveal|order|weekly|eod|remind|mylanguage|restore-streak|"
            "insights|off|on",
            "/studybot help",
            "help.cmd.help",
            show_help,
        ),
        Command(("studybot", "help"), "", "/studybot help", "help.cmd.help", show_help),
        Command(("studybot", "status"), "", "/studybot status", "help.cmd.status", channel_admin.status),
        Command(("studybot", "post"), "", "/studybot post", "help.cmd.post", posting.post_now, admin=True),
        Command(
            ("studybot", "schedule"),
            "HH:MM TIMEZONE [mon-fri|daily|mon,wed,fri]",
            "/studybot schedule 09:00 Europe/Berlin mon-fri",
            "help.cmd.schedule",
            channel_admin.schedule,
            admin=True,
            params=(
                Param("time", "time", required=True),
                Param("timezone", "timezone", required=True),
                Param("days", "text"),
            ),
        ),
        Command(
            ("studybot", "deck"),
            "ID [CATEGORY,...]",
            "/studybot deck mlops-interview basics,cloud",
            "help.cmd.deck",
            channel_admin.set_deck,
            admin=True,
            params=(Param("deck", "deck", required=True), Param("categories", "text")),
        ),
        Command(
            ("studybot", "language"),
            "pt|en",
            "/studybot language pt",
            "help.cmd.language",
            channel_admin.set_language,
            admin=True,
            params=(Param("language", "choice", required=True, choices=("pt", "en")),),
        ),
        Command(
            ("studybot", "reveal"),
            "EMOJI",
            "/studybot reveal :bulb:",
            "help.cmd.reveal",
            channel_admin.set_reveal,
            admin=True,
            params=(Param("emoji", "emoji", required=True),),
        ),
        Command(
            ("studybot", "order"), "adaptive|shuffled", "/studybot order adaptive", "help.cmd.order",
            channel_admin.set_order, admin=True,
            params=(Param("order", "choice", required=True, choices=channel_admin.QUESTION_ORDERS),),
        ),
        Command(
            ("studybot", "weekly"), "mon|tue|...|sun|off", "/studybot weekly mon", "help.cmd.weekly",
            channel_admin.set_weekly, admin=True,
            params=(Param("day", "choice", required=True,
                          choices=("mon", "tue", "wed", "thu", "fri", "sat", "sun", "off")),),
        ),
        Command(
            ("studybot", "eod"), "HH:MM|off", "/studybot eod 21:00", "help.cmd.eod", channel_admin.set_eod,
            admin=True, params=(Param("time", "time", required=True),),
        ),
        Command(("studybot", "remind"), "on [HH:MM] [TIMEZONE] | off", "/studybot remind on 08:00 Europe/Lisbon",
                "help.cmd.remind", learning.remind,
                params=(Param("switch", "choice", required=True, choices=("on", "off")), Param("time", "time"),
                        Param("timezone", "timezone"))),
        Command(("studybot", "mylanguage"), "pt|en|auto", "/studybot mylanguage pt", "help.cmd.mylanguage",
                member_settings.my_language,
                params=(Param("language", "choice", required=True, choices=("pt", "en", "auto")),)),
        Command(("studybot", "restore-streak"), "USER", "/studybot restore-streak @bob", "help.cmd.restore",
                learning.restore_streak, admin=True, params=(Param("user", "user", required=True),)),
        Command(("studybot", "insights"), "", "/studybot insights", "help.cmd.insights", learning.insights,
                admin=True),
        Command(("studybot", "off"), "", "/studybot off", "help.cmd.off", channel_admin.turn_off, admin=True),
        Command(("studybot", "on"), "", "/studybot on", "help.cmd.on", channel_admin.turn_on, admin=True),
    ]
    registry.update((c.path, c) for c in commands)
    return registry


def resolve(registry: dict[tuple[str, ...], Command], name: str, tokens: list[str]) -> tuple[Command, list[str]] | None:
    """The command for ``/name tokens...`` and the tokens left for its arguments.

    ``/studybot quiz 3`` is ``/quiz 3``; ``/team`` alone lists teams; ``/studybot`` alone shows help.
    """
    name = name.strip().lstrip("/").casefold()
    if name == "studybot" and tokens and tokens[0].casefold() in TOP_LEVEL[:-1]:
        return resolve(registry, tokens[0], tokens[1:])
    if (name,) not in registry:
        return None
    if tokens and (name, tokens[0].casefold()) in registry:
        return registry[(name, tokens[0].casefold())], tokens[1:]
    group = registry[(name,)]
    if group.handler is None:
        if not tokens:
            default = registry.get((name, "list"))
            return (default, []) if default else None
        return None
    if name == "studybot" and tokens:
        return None
    return group, tokens
