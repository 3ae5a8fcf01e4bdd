"""decks have a parent: Anki's Parent::Child hierarchy

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 08:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain column (no foreign key): adding one would make SQLite rebuild `decks`, which
    # the cards' foreign keys forbid; decks are retired, never deleted, so a parent stays
    op.add_column("decks", sa.Column("parent_id", sa.Integer(), nullable=True))
    op.create_index("ix_decks_parent_id", "decks", ["parent_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_decks_parent_id", table_name="decks")
    op.drop_column("decks", "parent_id")
