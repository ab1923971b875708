"""What every ``studybot`` subcommand shares: the output consoles, a clear failure, settings, logging and the
bot's start, each turning a bad configuration into a one-line message and an exit code instead of a traceback.

``adapters/cli.py`` and the platform subcommands (``adapters/slack/cli.py``, ``adapters/discord/cli.py``) import
from here; nothing here imports them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from bot.bootstrap import App
    from bot.settings import Settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def fail(message: str, example: str | None = None, code: int = 2) -> typer.Exit:
    """Print ``error: MESSAGE`` (and a correct example) to stderr; the caller raises the returned exit."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    if example:
        err.print(f"example: {example}", markup=False, highlight=False)
    return typer.Exit(code)


def load_settings(**overrides: object) -> Settings:
    from bot.settings import Settings

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        for e in exc.errors():
            name = str(e["loc"][0]).upper() if e["loc"] else "setting"
            err.print(f"[red]error:[/red] {name}: {escape(e['msg'].removeprefix('Value error, '))}", highlight=False)
        raise typer.Exit(2) from None


def configure_logging(level: str, settings: Settings | None = None) -> None:
    from bot.logcontext import configure_logging as configure

    if settings is None:
        configure(level)
    else:
        configure(level, settings.log_format, settings.secrets())


def bootstrap_or_exit(settings: Settings, **kwargs: Any) -> App:
    from bot.bootstrap import ConfigError, bootstrap
    from bot.content.loader import DeckError

    try:
        return bootstrap(settings, **kwargs)
    except DeckError as exc:
        for problem in exc.problems:
            err.print(f"[red]deck problem:[/red] {escape(str(problem))}", highlight=False)
        raise typer.Exit(2) from None
    except ConfigError as exc:
        raise fail(str(exc), "STUDYBOT_DEFAULT_DECK=mlops-interview") from None
    except Exception as exc:  # the database cannot be opened or migrated
        raise fail(
            f"cannot open the database ({type(exc).__name__}: {settings.mask(str(exc))})",
            "DATABASE_URL=sqlite:///studybot.db",
        ) from None
