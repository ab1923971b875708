"""The database: engine settings per backend, transactions, insert-if-absent for idempotent writes, and locks that
queue transactions which must not interleave."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, case, create_engine, event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _normalise_url(url: str) -> str:
    # "postgresql://" would pick psycopg2, which is not a dependency: use psycopg 3.
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``. SQLite gets WAL, a busy timeout, foreign keys and ``BEGIN IMMEDIATE``
    transactions, so concurrent writers wait for each other instead of failing with "database is locked"."""
    url = _normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see the "begin" hook).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that reads then writes fails at once with "database is locked",
        # ignoring busy_timeout; taking the write lock up front makes writers queue instead.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """Owns the engine and hands out transactions."""

    def __init__(self, url: str):
        self.url = _normalise_url(url)
        self.engine = create_db_engine(self.url)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back entirely if it raises."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def create_all(self) -> None:
        """Create the tables directly (tests of the models only; the bot uses migrations)."""
        SQLModel.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def _insert(dialect: str) -> Any:
    return pg_insert if dialect == "postgresql" else sqlite_insert


@cache
def _insert_ignore_statement(dialect: str, table: Table) -> Any:
    # Built once per table: SQLAlchemy then reuses its cache key and compiled form, which is most of the cost of a
    # statement on this hot path. RETURNING tells reliably whether a row went in (psycopg reports rowcount -1).
    return _insert(dialect)(table).on_conflict_do_nothing().returning(table.c.id)


def insert_ignore(session: Session, model: type[SQLModel], **values: Any) -> bool:
    """Insert a row unless a unique key already holds it. True when this call inserted it.

    Uses ``INSERT ... ON CONFLICT DO NOTHING`` so a duplicate is not an error and the transaction goes on.
    """
    return insert_ignore_id(session, model, **values) is not None


def insert_ignore_id(session: Session, model: type[SQLModel], **values: Any) -> int | None:
    """:func:`insert_ignore` that gives the new row's id (None when a unique key already held it)."""
    connection = session.connection()
    stmt = _insert_ignore_statement(connection.dialect.name, model.__table__)  # type: ignore[attr-defined]
    return connection.execute(stmt, values).scalar()


@cache
def _upsert_add_statement(
    dialect: str, table: Table, key: tuple[str, ...], column: str, replace: tuple[str, ...]
) -> Any:
    # One row per statement, run as an executemany: a multi-row VALUES statement cannot be cached by SQLAlchemy.
    stmt = _insert(dialect)(table)
    changes = {column: table.c[column] + stmt.excluded[column]}
    for name in replace:
        changes[name] = case((stmt.excluded[column] > 0, stmt.excluded[name]), else_=table.c[name])
    return stmt.on_conflict_do_update(index_elements=list(key), set_=changes)


def upsert_add(
    session: Session,
    model: type[SQLModel],
    rows: list[dict[str, Any]],
    key: tuple[str, ...],
    column: str,
    replace: tuple[str, ...] = (),
) -> None:
    """Insert ``rows`` (in order, all with the same columns), or add their ``column`` to the rows already under
    the unique ``key`` (and overwrite the ``replace`` columns where the amount added is positive). Each row is
    one atomic statement, so concurrent additions never lose each other."""
    if not rows:
        return
    connection = session.connection()
    stmt = _upsert_add_statement(connection.dialect.name, model.__table__, key, column, replace)  # type: ignore[attr-defined]
    connection.execute(stmt, rows)


class LockSpace(IntEnum):
    """What a :func:`take_turns` lock guards (the first of PostgreSQL's two advisory-lock keys)."""

    TEAM_NAMES = 1  # per tenant: a look-alike check and the team it lets in


def take_turns(session: Session, space: LockSpace, key: int) -> None:
    """Hold the session's transaction behind any other that took the same lock, until it ends.

    Needed where a check reads rows that no unique key guards (``Owls`` and ``Оwls`` are different keys but one
    name to a reader). PostgreSQL: a transaction-scoped advisory lock. SQLite needs none: its writers already take
    turns (``BEGIN IMMEDIATE``)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"), {"space": int(space), "key": key})
