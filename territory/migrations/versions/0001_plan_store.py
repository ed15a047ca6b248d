"""Plan store: plans, immutable versions with their alignment and assignments, audit log.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "plans",
        sa.Column("plan_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("current_version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("restored_from_plan", sa.Integer, nullable=True),
        sa.Column("restored_from_version", sa.Integer, nullable=True),
        sa.CheckConstraint("status in ('draft', 'active', 'archived')", name="plan_status"),
    )
    # At most one active plan, enforced by the database.
    op.create_index(
        "one_active_plan",
        "plans",
        ["status"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "plan_versions",
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.plan_id"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("base_version", sa.Integer, nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("accounts", sa.Integer, nullable=True),
    )
    op.create_table(
        "version_alignment",
        sa.Column("plan_id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("region_id", sa.String(64), primary_key=True),
        sa.Column("territory_id", sa.String(64), primary_key=True),
        sa.ForeignKeyConstraint(["plan_id", "version"], ["plan_versions.plan_id", "plan_versions.version"]),
    )
    op.create_table(
        "version_assignments",
        sa.Column("plan_id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.String(128), primary_key=True),
        sa.Column("territory_id", sa.String(64), nullable=True),
        sa.Column("rep_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.ForeignKeyConstraint(["plan_id", "version"], ["plan_versions.plan_id", "plan_versions.version"]),
    )
    op.create_table(
        "audit_log",
        sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("plan_id", sa.Integer, nullable=True),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("audit_by_plan", "audit_log", ["plan_id", "entry_id"])


def downgrade() -> None:
    """Drop the tables."""
    op.drop_index("audit_by_plan", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("version_assignments")
    op.drop_table("version_alignment")
    op.drop_table("plan_versions")
    op.drop_index("one_active_plan", table_name="plans")
    op.drop_table("plans")
