"""Narrowing helpers for stored rows: a row's id once it is saved, a row that must exist.

SQLModel types every primary key ``int | None`` (None until the row is flushed). Code that holds a saved row
asks :func:`id_of` instead of writing ``row.id or 0`` (which would turn a bug into a query for id 0) or an
``assert`` (which ``python -O`` removes).
"""

from __future__ import annotations

from typing import Protocol, TypeVar

T = TypeVar("T")


class HasId(Protocol):
    @property
    def id(self) -> int | None: ...


class MissingRowError(RuntimeError):
    """A row the code had just written or checked is not there: a bug or a concurrent delete, never bad input."""


def id_of(row: HasId) -> int:
    """The primary key of a saved row."""
    if row.id is None:
        raise MissingRowError(f"{type(row).__name__} has no id: it was never saved")
    return row.id


def present(value: T | None, what: str) -> T:
    """``value``, which the caller knows exists (it was just written or locked); fails loudly when it does not."""
    if value is None:
        raise MissingRowError(f"{what} is missing")
    return value
