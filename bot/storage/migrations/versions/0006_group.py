"""group study: a channel's question order (shuffled or adaptive), members' vacations and languages

Revision ID: 0006_group
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_group"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no batch copy on SQLite, which would drop the users' expression index).
    op.add_column(
        "channels", sa.Column("question_order", sa.String(length=10), nullable=False, server_default="shuffled")
    )
    op.add_column("users", sa.Column("language", sa.String(length=8), nullable=True))
    op.add_column("users", sa.Column("locale", sa.String(length=16), nullable=False, server_default=""))
    op.create_table(
        "vacations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_vacation_tenant_user", "vacations", ["tenant_id", "user_id", "end_day"])


def downgrade() -> None:
    op.drop_index("ix_vacation_tenant_user", table_name="vacations")
    op.drop_table("vacations")
    # Plain DROP COLUMNs (SQLite has them since 3.35): a batch copy of users would lose its expression index.
    for table, column in (("users", "locale"), ("users", "language"), ("channels", "question_order")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
