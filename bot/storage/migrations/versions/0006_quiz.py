"""quiz options per member: the original option each answer picked and the order the member saw

Revision ID: 0006_quiz
Revises: 0006_group
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_quiz"
down_revision: str | None = "0006_group"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("quiz_attempts") as batch:
        batch.add_column(sa.Column("option_index", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("option_order", sa.String(length=16), nullable=True))
    # Before this revision options were shown in file order, so the letter picked was the original option.
    op.execute("UPDATE quiz_attempts SET option_index = chosen, option_order = NULL")


def downgrade() -> None:
    with op.batch_alter_table("quiz_attempts") as batch:
        batch.drop_column("option_order")
        batch.drop_column("option_index")
