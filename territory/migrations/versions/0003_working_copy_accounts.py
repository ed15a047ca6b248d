"""Working copies say which accounts file the tab had loaded (the file itself is not kept).

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column."""
    with op.batch_alter_table("working_copies") as batch:
        batch.add_column(sa.Column("accounts_source", sa.String(300), nullable=True))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("working_copies") as batch:
        batch.drop_column("accounts_source")
