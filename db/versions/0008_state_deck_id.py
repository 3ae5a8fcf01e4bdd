"""card_states carry their card's deck and position (kept by triggers), indexed for new cards

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 14:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Why: the study queue asks which decks still have a new card, and for each deck its first
# new cards in content order. With the deck and the position only on `cards` that means
# joining every new card to its card (PostgreSQL hashes all 100k cards, ~30 ms) and walking
# each deck's studied cards before its first new one; with them beside the state, one probe
# of ix_card_states_new_deck per deck, and a deck's first new cards straight from it.
# The columns are a copy of cards.deck_id and cards.position, kept by the database itself so
# that no write path (sync, imports, restore, bulk copies, raw SQL) can leave them behind: a
# state takes its card's deck and position when it is inserted, and follows the card when
# the card moves to another deck or place.

SQLITE_TRIGGERS = (
    "CREATE TRIGGER trg_card_states_deck AFTER INSERT ON card_states BEGIN"
    " UPDATE card_states SET (deck_id, position) = (SELECT deck_id, position FROM cards WHERE id = NEW.card_id)"
    " WHERE card_id = NEW.card_id; END",
    "CREATE TRIGGER trg_cards_deck_moved AFTER UPDATE OF deck_id, position ON cards"
    " WHEN OLD.deck_id IS NOT NEW.deck_id OR OLD.position IS NOT NEW.position BEGIN"
    " UPDATE card_states SET deck_id = NEW.deck_id, position = NEW.position WHERE card_id = NEW.id; END",
)

POSTGRESQL_TRIGGERS = (
    "CREATE FUNCTION card_states_take_deck() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " SELECT deck_id, position INTO NEW.deck_id, NEW.position FROM cards WHERE id = NEW.card_id;"
    " RETURN NEW; END $$",
    "CREATE TRIGGER trg_card_states_deck BEFORE INSERT ON card_states FOR EACH ROW"
    " EXECUTE FUNCTION card_states_take_deck()",
    "CREATE FUNCTION cards_move_states() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " UPDATE card_states SET deck_id = NEW.deck_id, position = NEW.position WHERE card_id = NEW.id;"
    " RETURN NULL; END $$",
    "CREATE TRIGGER trg_cards_deck_moved AFTER UPDATE OF deck_id, position ON cards FOR EACH ROW"
    " WHEN (OLD.deck_id IS DISTINCT FROM NEW.deck_id OR OLD.position IS DISTINCT FROM NEW.position)"
    " EXECUTE FUNCTION cards_move_states()",
)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.add_column("card_states", sa.Column("deck_id", sa.Integer(), nullable=True))
    op.add_column("card_states", sa.Column("position", sa.Integer(), nullable=True))
    op.execute("UPDATE card_states SET (deck_id, position) ="
               " (SELECT deck_id, position FROM cards WHERE cards.id = card_states.card_id)")
    op.create_index("ix_card_states_new_deck", "card_states", ["deck_id", "position", "card_id"], unique=False,
                    sqlite_where=sa.text("state = 0"), postgresql_where=sa.text("state = 0"))
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)
    if postgresql:
        # the queue's per-deck probe relies on the planner knowing the new column
        op.execute("ANALYZE card_states")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    on = {"trg_cards_deck_moved": " ON cards", "trg_card_states_deck": " ON card_states"}
    for trigger, table in on.items():
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}{table if postgresql else ''}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS cards_move_states()")
        op.execute("DROP FUNCTION IF EXISTS card_states_take_deck()")
    op.drop_index("ix_card_states_new_deck", table_name="card_states")
    op.drop_column("card_states", "position")
    op.drop_column("card_states", "deck_id")
