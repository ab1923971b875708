"""running totals: members' and teams' points per period, teams' member counts (backfilled from the ledger)

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from bot.storage.backfill import rebuild_totals

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "points_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reached_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "period", "user_id", name="uq_points_total_period_user"),
    )
    op.create_index(
        "ix_points_total_rank",
        "points_totals",
        ["tenant_id", "period", sa.desc(sa.column("points")), "reached_at", "user_id"],
    )
    op.create_index("ix_points_totals_user_id", "points_totals", ["user_id"])
    op.create_table(
        "team_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "period", name="uq_team_total_team_period"),
    )
    op.create_index("ix_team_total_tenant_period", "team_totals", ["tenant_id", "period"])
    with op.batch_alter_table("teams") as batch_op:
        batch_op.add_column(sa.Column("member_count", sa.Integer(), nullable=False, server_default="0"))
    rebuild_totals(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch_op:
        batch_op.drop_column("member_count")
    op.drop_index("ix_team_total_tenant_period", table_name="team_totals")
    op.drop_table("team_totals")
    op.drop_index("ix_points_totals_user_id", table_name="points_totals")
    op.drop_index("ix_points_total_rank", table_name="points_totals")
    op.drop_table("points_totals")
