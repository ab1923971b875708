"""The ``studybot`` command line."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from adapters.cli_support import bootstrap_or_exit as _bootstrap
from adapters.cli_support import configure_logging as _configure_logging
from adapters.cli_support import err, out
from adapters.cli_support import fail as _fail
from adapters.cli_support import load_settings as _settings

app = typer.Typer(
    help="studybot: a daily question, quizzes and streaks for study groups.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
content_app = typer.Typer(help="Question decks: validate, count, import.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(content_app, name="content")

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
    session = ConsoleSession(bot_app, out, clock)
    interactive = sys.stdin.isatty()
    if interactive:
        out.print(
            f"studybot console on {settings.database_url}. You are alice (an admin).\n{META_HELP}",
            markup=False,
            highlight=False,
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
    """Check the configuration, the database, the decks and the platform credentials; non-zero exit on problems."""
    from adapters.doctor import FAIL, OK, WARN, run_checks

    settings = _settings()
    checks = run_checks(settings)
    marks = {OK: "[green]✓[/green]", WARN: "[yellow]![/yellow]", FAIL: "[red]✗[/red]"}
    for check in checks:
        out.print(f"{marks[check.status]} {check.area}: {check.detail}", highlight=False)
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
        out.print(f"database at revision {current_revision(database)}: {settings.database_url}", highlight=False)
        database.dispose()
    except Exception as exc:
        raise _fail(f"cannot upgrade the database ({type(exc).__name__}: {exc})") from None


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
        raise _fail(f"cannot rebuild the totals ({type(exc).__name__}: {exc})") from None
    out.print(
        f"rebuilt {counts['points_totals']:,} member totals and {counts['team_totals']:,} team totals; "
        f"teams with members: {counts['teams']:,}",
        highlight=False,
    )


@content_app.command("validate")
def content_validate(
    path: Annotated[
        Path | None, typer.Argument(help="A deck folder or a folder of decks (default: all decks).")
    ] = None,
) -> None:
    """Check decks against the schema; every problem is listed with its file and field."""
    from bot.bootstrap import content_roots
    from bot.content.loader import deck_folders, load_deck

    roots = [path] if path else content_roots(_settings())
    folders = []
    for root in roots:
        if not root.is_dir():
            raise _fail(f"{root} is not a folder", "studybot content validate content/mlops-interview")
        folders += deck_folders(root)
    if not folders:
        raise _fail(f"no deck (a folder with deck.yaml) under {', '.join(map(str, roots))}")
    problems = 0
    for folder in folders:
        deck, found = load_deck(folder)
        for problem in found:
            out.print(f"[red]✗[/red] {problem}", highlight=False)
        problems += len(found)
        if deck is not None and not found:
            out.print(f"[green]✓[/green] {deck.id}: {len(deck.questions)} questions", highlight=False)
    if problems:
        out.print(f"{problems} problem(s)", highlight=False)
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


@content_app.command("import")
def content_import(
    file: Annotated[Path, typer.Argument(help="A UTF-8 CSV file (columns in content/README.md).")],
    deck: Annotated[str, typer.Option("--deck", help="The deck id to write into (created if new).")],
    content_dir: Annotated[Path, typer.Option(help="Where decks live.")] = Path("content"),
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
    try:
        count = import_csv(file, content_dir / deck)
    except ImportFailed as exc:
        for problem in exc.problems:
            err.print(f"[red]✗[/red] {problem}", highlight=False)
        err.print("nothing was written", highlight=False)
        raise typer.Exit(1) from None
    out.print(f"imported {count} question(s) into {content_dir / deck}", highlight=False)


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
    finally:
        bot_app.close()


@app.command()
def tick(
    at: Annotated[str, typer.Option(help="The instant, ISO 8601 with an offset, e.g. 2026-03-02T09:00:00+01:00.")],
    platform: Annotated[str | None, typer.Option(help="Only this platform: slack or discord.")] = None,
) -> None:
    """Run, once, every scheduled post due at that instant, then exit. Safe while the bot runs."""
    from datetime import datetime

    from adapters.runner import tick_once
    from bot.clock import ManualClock

    try:
        instant = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(f"{at!r} is not an ISO 8601 instant", "studybot tick --at 2026-03-02T09:00:00+01:00") from None
    if instant.tzinfo is None:
        raise _fail(f"{at!r} has no UTC offset", "studybot tick --at 2026-03-02T09:00:00Z") from None
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
    if counts.get("failed"):
        raise typer.Exit(1)


from adapters.slack.cli import slack_app  # noqa: E402  (light: imports slack libraries only when run)

app.add_typer(slack_app, name="slack")

from adapters.discord.cli import discord_app  # noqa: E402  (light: imports discord.py only when run)

app.add_typer(discord_app, name="discord")


def main() -> None:
    app()
