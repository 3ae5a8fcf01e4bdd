"""exercise drafts: the editor's text per exercise, saved as the learner types

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 08:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import studyapp.storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("exercise_id", sa.String(length=200), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("updated_at", studyapp.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("exercise_id"),
    )


def downgrade() -> None:
    op.drop_table("drafts")
