"""devices, lists, reports, reputation

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 22:45:41.127035
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pepper.db.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Decay of reputation counters, shared by every writer: the weight left after the time
# from ref to now, with skewed clocks (now <= ref) never inflating evidence. SQLite gets
# the same function from the engine (pepper/db/engine.py).
DECAY_FUNCTION = """
CREATE OR REPLACE FUNCTION pepper_decay(ref double precision, now double precision,
                                        half_life double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN now > ref THEN power(0.5, (now - ref) / half_life) ELSE 1.0 END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DECAY_FUNCTION)
    op.create_table(
        "admin_labels",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("pattern", sa.String(length=24), nullable=False),
        sa.Column("prefix", sa.String(length=24), nullable=False),
        sa.Column("is_prefix", sa.Boolean(), nullable=False),
        sa.Column("verdict", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", pepper.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_labels")),
        sa.UniqueConstraint("pattern", name=op.f("uq_admin_labels_pattern")),
    )
    with op.batch_alter_table("admin_labels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_labels_prefix"), ["prefix"], unique=False)

    op.create_table(
        "report_categories",
        sa.Column("e164", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("e164", "category", name=op.f("pk_report_categories")),
    )
    op.create_table(
        "reputation_counters",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("spam_w", sa.Float(), nullable=False),
        sa.Column("ham_w", sa.Float(), nullable=False),
        sa.Column("complaint_w", sa.Float(), nullable=False),
        sa.Column("spam_n", sa.Integer(), nullable=False),
        sa.Column("ham_n", sa.Integer(), nullable=False),
        sa.Column("complaint_n", sa.Integer(), nullable=False),
        sa.Column("ref_epoch", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_reputation_counters")),
    )
    op.create_table(
        "devices",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "client_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("app_version", sa.String(length=32), nullable=False),
        sa.Column("os_version", sa.String(length=32), nullable=False),
        sa.Column("device_model", sa.String(length=64), nullable=False),
        sa.Column("default_region", sa.String(length=2), nullable=False),
        sa.Column("sensitivity", sa.String(length=8), nullable=False),
        sa.Column("withheld_action", sa.String(length=8), nullable=False),
        sa.Column("own_number", sa.String(length=20), nullable=True),
        sa.Column("created_at", pepper.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["api_clients.id"],
            name=op.f("fk_devices_client_id_api_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("client_id", name=op.f("uq_devices_client_id")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column(
            "client_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.Column("created_at", pepper.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", pepper.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["api_clients.id"],
            name=op.f("fk_idempotency_keys_client_id_api_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "key", name=op.f("pk_idempotency_keys")),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index("ix_idempotency_keys_expires_at", ["expires_at"], unique=False)

    op.create_table(
        "list_entries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "device_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("pattern", sa.String(length=24), nullable=False),
        sa.Column("prefix", sa.String(length=24), nullable=False),
        sa.Column("is_prefix", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=True),
        sa.Column("created_at", pepper.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_list_entries_device_id_devices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_entries")),
        sa.UniqueConstraint(
            "device_id", "kind", "pattern", name="uq_list_entries_device_kind_pattern"
        ),
    )
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_list_entries_device_id_kind_id", ["device_id", "kind", "id"], unique=False
        )

    op.create_table(
        "reports",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("device_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("e164", sa.String(length=20), nullable=False),
        sa.Column("verdict", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.Column("call_time", pepper.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("created_at", pepper.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_reports_device_id_devices"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("device_id", "e164", name="uq_reports_device_e164"),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_e164"), ["e164"], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS pepper_decay(float8, float8, float8)")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_e164"))
        batch_op.drop_index(batch_op.f("ix_reports_device_id"))

    op.drop_table("reports")
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_list_entries_device_id_kind_id")

    op.drop_table("list_entries")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_idempotency_keys_expires_at")

    op.drop_table("idempotency_keys")
    op.drop_table("devices")
    op.drop_table("reputation_counters")
    op.drop_table("report_categories")
    with op.batch_alter_table("admin_labels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_labels_prefix"))

    op.drop_table("admin_labels")
