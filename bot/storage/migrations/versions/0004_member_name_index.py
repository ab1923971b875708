"""member lookups by name: an expression index on lower(display_name)

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_user_tenant_lower_name", "users", ["tenant_id", sa.text("lower(display_name)")])


def downgrade() -> None:
    op.drop_index("ix_user_tenant_lower_name", table_name="users")
