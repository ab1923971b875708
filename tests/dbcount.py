"""Row counts of every table: to prove that a failed command wrote nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.storage.db import Database


def row_counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in SQLModel.metadata.tables.items()
        }
