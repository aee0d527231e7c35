"""decision receipts and feedback

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 01:40:29.291663
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pepper.db.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decision_feedback",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "field_issue_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.SmallInteger(), nullable=False),
        sa.Column("e164", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("rung", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("model", sa.String(length=8), nullable=False),
        sa.Column("decided_at", pepper.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", pepper.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["field_issue_id"],
            ["field_issues.id"],
            name=op.f("fk_decision_feedback_field_issue_id_field_issues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_feedback")),
    )
    with op.batch_alter_table("decision_feedback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_feedback_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_decision_feedback_e164"), ["e164"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_decision_feedback_field_issue_id"), ["field_issue_id"], unique=False
        )

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.alter_column(
            "decision_id",
            existing_type=sa.VARCHAR(length=32),
            type_=sa.String(length=64),
            existing_nullable=True,
        )

    with op.batch_alter_table("field_issues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_action", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("decision_rung", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("decision_score", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("decision_model", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column("decision_at", pepper.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column(
            "decision_id",
            existing_type=sa.VARCHAR(length=32),
            type_=sa.String(length=64),
            existing_nullable=True,
        )


def downgrade() -> None:
    # Receipts are 50 characters; the uuid ids before them were 32. Cut, not fail.
    with op.batch_alter_table("field_issues", schema=None) as batch_op:
        batch_op.alter_column(
            "decision_id",
            existing_type=sa.String(length=64),
            type_=sa.VARCHAR(length=32),
            existing_nullable=True,
            postgresql_using="left(decision_id, 32)",
        )
        batch_op.drop_column("decision_at")
        batch_op.drop_column("decision_model")
        batch_op.drop_column("decision_score")
        batch_op.drop_column("decision_rung")
        batch_op.drop_column("decision_action")

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.alter_column(
            "decision_id",
            existing_type=sa.String(length=64),
            type_=sa.VARCHAR(length=32),
            existing_nullable=True,
            postgresql_using="left(decision_id, 32)",
        )

    with op.batch_alter_table("decision_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_feedback_field_issue_id"))
        batch_op.drop_index(batch_op.f("ix_decision_feedback_e164"))
        batch_op.drop_index(batch_op.f("ix_decision_feedback_created_at"))

    op.drop_table("decision_feedback")
