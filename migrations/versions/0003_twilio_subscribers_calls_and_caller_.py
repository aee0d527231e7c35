"""twilio subscribers, calls and caller stats

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 23:19:42.272249
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pepper.db.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "caller_stats",
        sa.Column("caller", sa.String(length=20), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("subscribers", sa.Integer(), nullable=False),
        sa.Column("finished", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("short_calls", sa.Integer(), nullable=False),
        sa.Column("challenge_passed", sa.Integer(), nullable=False),
        sa.Column("challenge_failed", sa.Integer(), nullable=False),
        sa.Column("first_epoch", sa.Float(), nullable=False),
        sa.Column("last_epoch", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("caller", name=op.f("pk_caller_stats")),
    )
    op.create_table(
        "subscribers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("twilio_number", sa.String(length=20), nullable=False),
        sa.Column("ring_to", sa.String(length=20), nullable=False),
        sa.Column("device_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("created_at", pepper.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_subscribers_device_id_devices"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscribers")),
        sa.UniqueConstraint("twilio_number", name=op.f("uq_subscribers_twilio_number")),
    )
    op.create_table(
        "caller_subscribers",
        sa.Column("caller", sa.String(length=20), nullable=False),
        sa.Column(
            "subscriber_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_caller_subscribers_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("caller", "subscriber_id", name=op.f("pk_caller_subscribers")),
    )
    op.create_table(
        "calls",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column(
            "subscriber_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("caller", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=True),
        sa.Column("decision_id", sa.String(length=32), nullable=True),
        sa.Column("challenge_digit", sa.String(length=1), nullable=True),
        sa.Column("challenge", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("created_at", pepper.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_calls_subscriber_id_subscribers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_calls_call_sid")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calls_caller"), ["caller"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_subscriber_id"), ["subscriber_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_subscriber_id"))
        batch_op.drop_index(batch_op.f("ix_calls_caller"))

    op.drop_table("calls")
    op.drop_table("caller_subscribers")
    op.drop_table("subscribers")
    op.drop_table("caller_stats")
