"""field issues

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 00:06:45.401559
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pepper.db.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "field_issues",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("device_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("app_version", sa.String(length=32), nullable=False),
        sa.Column("os_name", sa.String(length=16), nullable=False),
        sa.Column("os_version", sa.String(length=32), nullable=False),
        sa.Column("manufacturer", sa.String(length=64), nullable=False),
        sa.Column("device_model", sa.String(length=64), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=True),
        sa.Column("screening_latency_ms", sa.Integer(), nullable=True),
        sa.Column("decision_id", sa.String(length=32), nullable=True),
        sa.Column("stack_trace", sa.Text(), nullable=True),
        sa.Column("created_at", pepper.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_field_issues_device_id_devices"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_issues")),
    )
    with op.batch_alter_table("field_issues", schema=None) as batch_op:
        batch_op.create_index(
            "ix_field_issues_created_at_kind", ["created_at", "kind"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_field_issues_decision_id"), ["decision_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_field_issues_device_id"), ["device_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("field_issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_issues_device_id"))
        batch_op.drop_index(batch_op.f("ix_field_issues_decision_id"))
        batch_op.drop_index("ix_field_issues_created_at_kind")

    op.drop_table("field_issues")
