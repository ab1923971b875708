"""Every migration's downgrade: step by step from head to base restores each earlier schema exactly, and the way
back up ends where the models are (SQLite always; PostgreSQL when STUDYBOT_TEST_DATABASE_URL is set)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from bot.storage.db import Database
from bot.storage.migrate import alembic_config, current_revision, upgrade

Schema = dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]


def _step(database: Database, action: Callable[[Config, str], None], revision: str) -> None:
    config = alembic_config(database)
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        action(config, revision)


def _schema(database: Database) -> Schema:
    """Each table's columns (name and type), index names and unique constraint names."""
    inspector = inspect(database.engine)
    schema: Schema = {}
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        columns = tuple(sorted(f"{c['name']} {c['type']}" for c in inspector.get_columns(table)))
        indexes = _index_names(database, table)
        uniques = tuple(sorted(str(u["name"]) for u in inspector.get_unique_constraints(table)))
        schema[table] = (columns, indexes, uniques)
    return schema


def _index_names(database: Database, table: str) -> tuple[str, ...]:
    """Index names from the catalogue itself: the inspector leaves out expression indexes on SQLite."""
    if database.backend == "postgresql":
        sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = :t"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"
    with database.engine.connect() as conn:
        return tuple(sorted(conn.execute(text(sql), {"t": table}).scalars()))


def _revisions(database: Database) -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(database))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_each_migration_downgrades_to_the_schema_before_it(database_url: str) -> None:
    db = Database(database_url)
    try:
        revisions = _revisions(db)
        assert len(revisions) >= 5 and revisions[0] == "0001"
        before: dict[str, Schema] = {"base": _schema(db)}
        for revision in revisions:
            _step(db, command.upgrade, revision)
            assert current_revision(db) == revision
            before[revision] = _schema(db)
        assert all(before[a] != before[b] for a, b in zip(["base", *revisions], revisions, strict=False))
        for previous, revision in reversed(list(zip(["base", *revisions], revisions, strict=False))):
            _step(db, command.downgrade, previous)
            assert current_revision(db) == (None if previous == "base" else previous), f"downgrade of {revision}"
            assert _schema(db) == before[previous], f"downgrade of {revision} did not restore {previous}"
        assert _schema(db) == {}
        upgrade(db)
        assert _schema(db) == before[revisions[-1]]
        with db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
    finally:
        db.dispose()
