"""The ``studybot`` command line."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from adapters.cli_support import bootstrap_or_exit as _bootstrap
from adapters.cli_support import configure_logging as _configure_logging
from adapters.cli_support import err, out
from adapters.cli_support import fail as _fail
from adapters.cli_support import load_settings as _settings

if TYPE_CHECKING:
    from bot.services.item_stats import ItemStats

app = typer.Typer(
    help="studybot: a daily question, quizzes and streaks for study groups.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
content_app = typer.Typer(help="Question decks: validate, lint, count, import, report.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(content_app, name="content")

def _plain_help_types() -> None:
    """``--help`` shows a metavar (TEXT, PATH, INTEGER) for options that take a value and nothing for flags,
    instead of typer's ``<str>``/``<bool>`` tags."""
    from typer.core import TyperArgument, TyperOption

    def option_type(self: TyperOption, ctx: object) -> str | None:
        if self.is_flag or self.count:
            return None
        if self.metavar is not None:
            return self.metavar
        label = self.bare_type()
        return {"str": "TEXT", "int": "INTEGER", "float": "NUMBER"}.get(label, label.upper())

    def argument_type(self: TyperArgument, ctx: object) -> str | None:
        return None  # the argument's own name (FILE) says it already

    TyperOption.display_type_rich = option_type  # type: ignore[method-assign]
    TyperArgument.display_type_rich = argument_type  # type: ignore[method-assign,assignment]


_plain_help_types()


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"studybot {version('studybot')}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """studybot: a daily question, quizzes and streaks for study groups."""


def _database_url(db: str | None) -> dict[str, object]:
    if db is None:
        return {}
    return {"database_url": db if "://" in db else f"sqlite:///{Path(db).expanduser().resolve()}"}


@app.command()
def demo() -> None:
    """A scripted run: four members, two teams, ten question days, on a temporary database."""
    from adapters.console.demo import run_demo

    _configure_logging("WARNING")
    asyncio.run(run_demo(out))


@app.command()
def console(
    db: Annotated[
        str | None, typer.Option(help="Database file or URL (default: DATABASE_URL or the data dir).")
    ] = None,
) -> None:
    """A local channel in the terminal: type /studybot help, or :help for the console's own commands."""
    from adapters.console.session import META_HELP, ConsoleSession
    from bot.clock import ManualClock, SystemClock

    settings = _settings(**_database_url(db))
    _configure_logging("WARNING")
    clock = ManualClock(SystemClock().now())
    bot_app = _bootstrap(settings, clock=clock)
    interactive = sys.stdin.isatty()
    session = ConsoleSession(bot_app, out, clock, echo=not interactive)  # a terminal shows what was typed already
    if interactive:
        import readline  # noqa: F401  (line editing and history for input())

        out.print(
            f"studybot console on {settings.mask(settings.database_url)}. You are alice (an admin).\n{META_HELP}",
            markup=False,
            highlight=False,
            soft_wrap=False,  # wrapped between words at the terminal's width
        )
    try:
        with asyncio.Runner() as runner:
            while True:
                try:
                    line = input("> ") if interactive else sys.stdin.readline()
                except EOFError:
                    break
                if not interactive and line == "":
                    break
                if not runner.run(session.run_line(line)):
                    break
    except KeyboardInterrupt:
        pass
    finally:
        bot_app.close()


@app.command()
def doctor() -> None:
    """Check the configuration, the database, the decks and the platform credentials; reads only, creates nothing.
    Non-zero exit on problems."""
    from adapters.doctor import FAIL, NOTE, OK, WARN, run_checks

    settings = _settings()
    checks = run_checks(settings)
    marks = {OK: "[green]✓[/green]", NOTE: "[blue]i[/blue]", WARN: "[yellow]![/yellow]", FAIL: "[red]✗[/red]"}
    for check in checks:
        out.print(f"{marks[check.status]} {check.area}: {escape(check.detail)}", highlight=False)
    failed = [c for c in checks if c.status == FAIL]
    out.print(f"{len(failed)} problem(s), {sum(c.status == WARN for c in checks)} warning(s)", highlight=False)
    if failed:
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the latest version (the bot also does this at start)."""
    from bot.storage.db import Database
    from bot.storage.migrate import current_revision, upgrade

    settings = _settings()
    try:
        database = Database(settings.database_url)
        upgrade(database)
        out.print(f"database at revision {current_revision(database)}: {settings.mask(settings.database_url)}",
                  highlight=False)
        database.dispose()
    except Exception as exc:
        raise _fail(f"cannot upgrade the database ({type(exc).__name__}: {settings.mask(str(exc))})") from None


@db_app.command("rebuild-totals")
def db_rebuild_totals() -> None:
    """Recompute the leaderboards' running totals from the points ledger and the team memberships."""
    from bot.storage.backfill import rebuild_totals
    from bot.storage.db import Database
    from bot.storage.migrate import upgrade

    settings = _settings()
    try:
        database = Database(settings.database_url)
        upgrade(database)
        with database.engine.begin() as conn:
            counts = rebuild_totals(conn)
        database.dispose()
    except Exception as exc:
        raise _fail(f"cannot rebuild the totals ({type(exc).__name__}: {settings.mask(str(exc))})") from None
    out.print(
        f"rebuilt {counts['points_totals']:,} member totals and {counts['team_totals']:,} team totals; "
        f"teams with members: {counts['teams']:,}",
        highlight=False,
    )


def _deck_folder_list(path: Path | None, example: str) -> list[Path]:
    from bot.bootstrap import content_roots
    from bot.content.loader import deck_folders

    roots = [path] if path else content_roots(_settings())
    folders = []
    for root in roots:
        if not root.is_dir():
            raise _fail(f"{root} is not a folder", example)
        folders += deck_folders(root)
    if not folders:
        raise _fail(f"no deck (a folder with deck.yaml) under {', '.join(map(str, roots))}")
    return folders


def _print_findings(findings: list, strict: bool) -> None:
    mark = "[red]✗[/red]" if strict else "[yellow]⚠[/yellow]"
    for finding in findings:
        out.print(f"{mark} {escape(str(finding))}", highlight=False)


StrictOption = Annotated[bool, typer.Option("--strict", help="Treat quiz-quality findings as errors.")]
DeckPathArgument = Annotated[
    Path | None, typer.Argument(metavar="PATH", help="A deck folder or a folder of decks (default: all decks).")
]


@content_app.command("validate")
def content_validate(
    path: DeckPathArgument = None,
    strict: StrictOption = False,
) -> None:
    """Check decks against the schema; every problem is listed with its file and field. Quiz-quality findings
    (see `content lint`) are warnings, or errors with --strict."""
    from bot.content.lint import lint_deck
    from bot.content.loader import load_deck

    problems = warnings = 0
    for folder in _deck_folder_list(path, "studybot content validate content/mlops-interview"):
        deck, found = load_deck(folder)
        for problem in found:
            out.print(f"[red]✗[/red] {escape(str(problem))}", highlight=False)
        problems += len(found)
        if deck is not None and not found:
            findings = lint_deck(deck)
            _print_findings(findings, strict)
            warnings += len(findings)
            out.print(f"[green]✓[/green] {deck.id}: {len(deck.questions)} questions", highlight=False)
    if warnings:
        out.print(f"{warnings} quiz-quality {'problem' if strict else 'warning'}(s)", highlight=False)
    if problems:
        out.print(f"{problems} problem(s)", highlight=False)
    if problems or (strict and warnings):
        raise typer.Exit(1)


@content_app.command("lint")
def content_lint(
    path: DeckPathArgument = None,
    strict: StrictOption = False,
) -> None:
    """Find quiz items a member could pass without knowing the subject (rules in content/README.md)."""
    from bot.content.lint import lint_deck
    from bot.content.loader import load_deck

    total = invalid = 0
    for folder in _deck_folder_list(path, "studybot content lint content/mlops-interview --strict"):
        deck, found = load_deck(folder)
        if deck is None or found:
            invalid += 1
            out.print(f"[red]✗[/red] {folder}: not a valid deck; run studybot content validate {folder}",
                      highlight=False)
            continue
        findings = lint_deck(deck)
        _print_findings(findings, strict)
        total += len(findings)
        if not findings:
            out.print(f"[green]✓[/green] {deck.id}: no findings", highlight=False)
    if total:
        out.print(f"{total} finding(s)", highlight=False)
    if invalid or (strict and total):
        raise typer.Exit(1)


@content_app.command("stats")
def content_stats() -> None:
    """Questions and quiz items per deck, language and category."""
    from bot.bootstrap import load_decks
    from bot.content.loader import DeckError

    try:
        catalog = load_decks(_settings())
    except DeckError as exc:
        raise _fail(f"decks are invalid; run studybot content validate\n{exc}") from None
    table = Table(title="Decks")
    for column in ("deck", "language", "category", "questions", "quiz items"):
        table.add_column(column, justify="right" if column in ("questions", "quiz items") else "left")
    for deck in catalog.decks.values():
        for lang in deck.info.languages:
            questions: Counter[str] = Counter()
            items: Counter[str] = Counter()
            for q in deck.questions.values():
                side = q.text(lang)
                if side is not None:
                    questions[q.category] += 1
                    items[q.category] += len(side.quiz)
            for category in deck.info.categories:
                table.add_row(deck.id, lang, category, str(questions[category]), str(items[category]))
            table.add_row(
                deck.id,
                lang,
                "[b]all[/b]",
                f"[b]{sum(questions.values())}[/b]",
                f"[b]{sum(items.values())}[/b]",
                end_section=True,
            )
    out.print(table)


class ReportFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@content_app.command("report")
def content_report(
    format: Annotated[ReportFormat, typer.Option("--format", help="table, csv or json.")] = ReportFormat.table,
    deck: Annotated[str | None, typer.Option(help="Only this deck (default: every deck).")] = None,
    db: Annotated[str | None, typer.Option(help="Database URL or SQLite file (default: DATABASE_URL).")] = None,
) -> None:
    """Item statistics from members' quiz answers: attempts, difficulty, discrimination, pick rates, flags."""
    import csv
    import json

    from bot.services import item_stats
    from bot.storage.db import Database
    from bot.storage.migrate import upgrade

    settings = _settings(**_database_url(db))
    catalog = _bootstrap_catalog(settings)
    if deck is not None and catalog.get(deck) is None:
        raise _fail(f"there is no deck {deck!r}; decks: {', '.join(sorted(catalog.decks))}",
                    "studybot content report --deck mlops-interview")
    decks = [catalog.decks[deck]] if deck else list(catalog.decks.values())
    try:
        database = Database(settings.database_url)
        upgrade(database)
        with database.transaction() as session:
            rows = [(d.id, s) for d in decks for s in item_stats.deck_report(session, d, None)]
        database.dispose()
    except Exception as exc:
        raise _fail(f"cannot read the database ({type(exc).__name__}: {exc})", "--db sqlite:///studybot.db") from None
    minimums = {
        "difficulty_flags": item_stats.MIN_MEMBERS,
        "discrimination_flag": item_stats.MIN_MEMBERS_DISCRIMINATION,
    }
    records = [_report_record(deck_id, s) for deck_id, s in rows]
    if format is ReportFormat.json:
        print(json.dumps({"minimum_members": minimums, "items": records}, ensure_ascii=False, indent=2))
        return
    if format is ReportFormat.csv:
        writer = csv.writer(sys.stdout)
        letters = "ABCDE"
        writer.writerow(["deck", "question", "item", "attempts", "members", "difficulty", "discrimination",
                         *(f"pick_{x}" for x in letters), "flags"])
        for r in records:
            picks = [f"{p:.3f}" for p in r["pick_rates"]] + [""] * (len(letters) - len(r["pick_rates"]))
            writer.writerow([r["deck"], r["question"], r["item"], r["attempts"], r["members"],
                             _num(r["difficulty"]), _num(r["discrimination"]), *picks, " ".join(r["flags"])])
        return
    table = Table(title="Quiz items (options in deck-file order)")
    for column in ("deck", "item", "attempts", "members", "right", "discrimination", "picks", "flags"):
        table.add_column(column, justify="right" if column in ("attempts", "members", "right") else "left")
    for r in records:
        right = "-" if r["difficulty"] is None else f"{r['difficulty']:.0%}"
        shown = " ".join(f"{'ABCDE'[i]} {p:.0%}" for i, p in enumerate(r["pick_rates"]))
        table.add_row(r["deck"], f"{r['question']}#{r['item']}", str(r["attempts"]), str(r["members"]), right,
                      _num(r["discrimination"]) or "-", shown, ", ".join(r["flags"]))
    out.print(table)
    out.print(
        f"flags: too easy (> {item_stats.TOO_EASY:.0%} right) and too hard (< {item_stats.TOO_HARD:.0%}) need "
        f"{item_stats.MIN_MEMBERS} members' first answers; negative discrimination needs "
        f"{item_stats.MIN_MEMBERS_DISCRIMINATION} members who also answered other items of the deck",
        highlight=False,
    )


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _report_record(deck_id: str, stats: ItemStats) -> dict[str, Any]:
    options = max(stats.options, max(stats.picks, default=-1) + 1)
    return {
        "deck": deck_id,
        "question": stats.question_id,
        "item": stats.item_id,
        "attempts": stats.attempts,
        "members": stats.members,
        "difficulty": stats.difficulty,
        "discrimination": stats.discrimination,
        "discrimination_members": stats.discrimination_members,
        "pick_rates": [stats.pick_rate(i) for i in range(options)],
        "strong_pick": stats.strong_pick,
        "flags": stats.flags,
    }


def _bootstrap_catalog(settings):
    from bot.bootstrap import load_decks
    from bot.content.loader import DeckError

    try:
        return load_decks(settings)
    except DeckError as exc:
        raise _fail(f"decks are invalid; run studybot content validate\n{exc}") from None


@content_app.command("import")
def content_import(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A UTF-8 CSV file (columns in content/README.md).")],
    deck: Annotated[str, typer.Option("--deck", help="The deck id to write into (created if new).")],
    content_dir: Annotated[
        Path | None,
        typer.Option(help="Where decks live (default: the first folder of STUDYBOT_CONTENT_DIRS, else ./content)."),
    ] = None,
) -> None:
    """Turn a spreadsheet into deck files; nothing is written if any row is wrong."""
    import re

    from bot.content.csv_import import ImportFailed, import_csv
    from bot.content.schema import ID_PATTERN

    if not re.match(ID_PATTERN, deck):
        raise _fail(
            f"{deck!r} is not a deck id (lower-case letters, digits and dashes)",
            "studybot content import questions.csv --deck my-deck",
        )
    if not file.is_file():
        raise _fail(f"{file} is not a file", "studybot content import questions.csv --deck my-deck")
    from bot.bootstrap import content_roots

    settings = _settings()
    extra = settings.extra_content_dirs()
    root = content_dir or (extra[0] if extra else Path("content"))
    try:
        count = import_csv(file, root / deck)
    except ImportFailed as exc:
        for problem in exc.problems:
            err.print(f"[red]✗[/red] {escape(str(problem))}", highlight=False)
        err.print("nothing was written", highlight=False)
        raise typer.Exit(1) from None
    out.print(f"imported {count} question(s) into {root / deck}", highlight=False)
    if root.resolve() in [r.resolve() for r in content_roots(settings)]:
        out.print("the bot loads this deck at its next start", highlight=False)
    else:
        out.print(
            f"the bot does not load decks from {root.resolve()} yet: add STUDYBOT_CONTENT_DIRS={root.resolve()} "
            "to .env (or the environment), then restart it",
            markup=False,
            highlight=False,
        )


@app.command()
def run() -> None:
    """Every configured platform (Slack, Discord) and the scheduler, until SIGTERM or Ctrl+C."""
    from adapters.runner import run_everything

    settings = _settings()
    _configure_logging(settings.log_level, settings)
    if not settings.slack_configured and not settings.discord_configured:
        raise _fail(
            "no platform is configured: set the Slack variables, DISCORD_TOKEN, or both",
            "SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... SLACK_APP_TOKEN=xapp-... studybot run",
        )
    bot_app = _bootstrap(settings)
    try:
        asyncio.run(run_everything(bot_app, settings))
    except Exception as exc:
        discord_runner = sys.modules.get("adapters.discord.runner")  # imported only when Discord runs
        if discord_runner is None or not isinstance(exc, discord_runner.TokenRejected):
            raise
        from adapters.discord.cli import TOKEN_EXAMPLE

        raise _fail("Discord rejected DISCORD_TOKEN (401): reset the bot token in the Developer Portal and set it "
                    f"again; for example {TOKEN_EXAMPLE}") from None
    finally:
        bot_app.close()


#: How far from now ``tick --at`` goes without ``--force``: a stray instant would post a wrong day's question,
#: take its place in the sequence and break streaks.
TICK_REACH_DAYS = 1


def _tick_instant(at: str, force: bool):
    """The instant ``--at`` names, or a clear refusal: not ISO 8601, no offset, out of range, or (without
    ``--force``) more than a day from now."""
    from datetime import UTC, datetime, timedelta

    from bot.clock import SystemClock

    example = "studybot tick --at 2026-03-02T09:00:00+01:00"
    try:
        instant = datetime.fromisoformat(at.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _fail(f"{at[:80]!r} is not an ISO 8601 instant", example) from None
    if instant.tzinfo is None:
        raise _fail(f"{at[:80]!r} has no UTC offset", "studybot tick --at 2026-03-02T09:00:00Z") from None
    try:  # everything a tick computes stays within a week of the instant
        instant.astimezone(UTC) + timedelta(days=8)
        instant.astimezone(UTC) - timedelta(days=8)
    except OverflowError:
        raise _fail(f"{at[:80]!r} is too far from today to be a posting time", example) from None
    now = SystemClock().now()
    if abs(instant - now) > timedelta(days=TICK_REACH_DAYS) and not force:
        raise _fail(
            f"{at[:80]!r} is more than a day from now ({now:%Y-%m-%dT%H:%MZ}): it would post that day's question "
            "and break streaks; add --force if that is really what you want",
            f"studybot tick --at {now:%Y-%m-%dT%H:%M:%SZ}",
        )
    return instant


@app.command()
def tick(
    at: Annotated[str, typer.Option(help="The instant, ISO 8601 with an offset, e.g. 2026-03-02T09:00:00+01:00.")],
    platform: Annotated[str | None, typer.Option(help="Only this platform: slack or discord.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Allow an instant more than a day from now.")] = False,
) -> None:
    """Run, once, every scheduled post due at that instant, then exit. Safe while the bot runs. Instants more than
    a day from now are refused unless --force."""
    from adapters.runner import tick_once
    from bot.clock import ManualClock

    instant = _tick_instant(at, force)
    if platform not in (None, "slack", "discord"):
        raise _fail(f"{platform!r} is not a platform: use slack or discord", "studybot tick --at ... --platform slack")
    settings = _settings()
    _configure_logging(settings.log_level, settings)
    wanted = {"slack": settings.slack_configured, "discord": settings.discord_configured}
    if not any(configured for name, configured in wanted.items() if platform in (None, name)):
        what = f"{platform} is not configured" if platform else "no platform is configured"
        raise _fail(
            f"{what}: nothing could be posted", "SLACK_BOT_TOKEN=xoxb-... studybot tick --at 2026-03-02T09:00:00Z"
        )
    bot_app = _bootstrap(settings, clock=ManualClock(instant))
    try:
        counts = asyncio.run(tick_once(bot_app, settings, instant, platform))
    finally:
        bot_app.close()
    summary = ", ".join(f"{status} {count}" for status, count in sorted(counts.items())) or "nothing due"
    out.print(f"tick at {instant.isoformat()}: {summary}", highlight=False)
    if counts.get("failed") or counts.get("unknown"):  # unknown: asked again by the next tick or sweep
        raise typer.Exit(1)


from adapters.slack.cli import slack_app  # noqa: E402  (light: imports slack libraries only when run)

app.add_typer(slack_app, name="slack")

from adapters.discord.cli import discord_app  # noqa: E402  (light: imports discord.py only when run)

app.add_typer(discord_app, name="discord")


def main() -> None:
    app()
