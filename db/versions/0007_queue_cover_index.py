"""PostgreSQL: a covering index for the study queue's joins from states to cards

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:50:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# With it the day's queue reads the due cards' deck, note and flags from the index alone
# (index-only scans), where PostgreSQL otherwise hashes every card row of the collection
# (benchmarks/scheduler.py --db postgresql+psycopg://...). SQLite looks cards up by rowid,
# which this would not speed up, so it gets no second index to maintain.


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_cards_queue_cover", "cards", ["id"], unique=False,
                        postgresql_include=["deck_id", "note_id", "suspended", "retired"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_cards_queue_cover", table_name="cards")
