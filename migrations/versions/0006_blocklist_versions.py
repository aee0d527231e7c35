"""blocklist versions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pepper.db.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blocklist_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", pepper.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_blocklist_versions")),
    )
    op.create_table(
        "blocklist_artifacts",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.Integer(), nullable=False),
        sa.Column("since", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version"],
            ["blocklist_versions.version"],
            name=op.f("fk_blocklist_artifacts_version_blocklist_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "version", "country_code", "since", name=op.f("pk_blocklist_artifacts")
        ),
    )


def downgrade() -> None:
    op.drop_table("blocklist_artifacts")
    op.drop_table("blocklist_versions")
