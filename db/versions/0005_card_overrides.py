"""card overrides: the learner's edits of shipped cards, kept across content updates

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 08:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import studyapp.storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "card_overrides",
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("front", sa.Text(), nullable=False),
        sa.Column("back", sa.Text(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("base_hash", sa.String(length=64), nullable=False),
        sa.Column("shipped_front", sa.Text(), nullable=False),
        sa.Column("shipped_back", sa.Text(), nullable=False),
        sa.Column("shipped_extra", sa.JSON(), nullable=False),
        sa.Column("shipped_changed_at", studyapp.storage.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", studyapp.storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", studyapp.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("card_id"),
    )


def downgrade() -> None:
    op.drop_table("card_overrides")
