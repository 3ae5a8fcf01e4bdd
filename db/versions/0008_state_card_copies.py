"""card_states carry copies of their card's queue columns (kept by triggers)

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

# Why: the study queue reads, for the states it picks (due reviews, learning cards, each deck's
# first new cards), their card's deck, note, place and whether it is active. With those only
# on `cards`, every due state costs an index probe into cards, and finding the decks that still
# have a new card means joining every new card to its card (PostgreSQL hashes all 100k cards,
# ~30 ms of a 30 ms budget). With copies beside the state: one table, and one probe of
# ix_card_states_new_deck per deck.
# The copies are kept by the database itself, so that no write path (sync, imports, restore,
# bulk copies, raw SQL) can leave them behind: a state takes its card's values when it is
# inserted, and follows the card whenever one of them changes.
COPIED = ("deck_id", "position", "note_id", "suspended", "retired")
_LIST = ", ".join(COPIED)
_CHANGED_SQLITE = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COPIED)
_CHANGED_PG = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COPIED)
_SET_FROM_NEW = ", ".join(f"{c} = NEW.{c}" for c in COPIED)

SQLITE_TRIGGERS = (
    f"CREATE TRIGGER trg_card_states_copy AFTER INSERT ON card_states BEGIN"
    f" UPDATE card_states SET ({_LIST}) = (SELECT {_LIST} FROM cards WHERE id = NEW.card_id)"
    f" WHERE card_id = NEW.card_id; END",
    f"CREATE TRIGGER trg_cards_copy_to_state AFTER UPDATE OF {_LIST} ON cards WHEN {_CHANGED_SQLITE} BEGIN"
    f" UPDATE card_states SET {_SET_FROM_NEW} WHERE card_id = NEW.id; END",
)

POSTGRESQL_TRIGGERS = (
    f"CREATE FUNCTION card_states_copy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    f" SELECT {_LIST} INTO {', '.join(f'NEW.{c}' for c in COPIED)} FROM cards WHERE id = NEW.card_id;"
    f" RETURN NEW; END $$",
    "CREATE TRIGGER trg_card_states_copy BEFORE INSERT ON card_states FOR EACH ROW"
    " EXECUTE FUNCTION card_states_copy()",
    f"CREATE FUNCTION cards_copy_to_state() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    f" UPDATE card_states SET {_SET_FROM_NEW} WHERE card_id = NEW.id; RETURN NULL; END $$",
    f"CREATE TRIGGER trg_cards_copy_to_state AFTER UPDATE OF {_LIST} ON cards FOR EACH ROW"
    f" WHEN ({_CHANGED_PG}) EXECUTE FUNCTION cards_copy_to_state()",
)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.add_column("card_states", sa.Column("deck_id", sa.Integer(), nullable=True))
    op.add_column("card_states", sa.Column("position", sa.Integer(), nullable=True))
    op.add_column("card_states", sa.Column("note_id", sa.String(length=200), nullable=True))
    op.add_column("card_states", sa.Column("suspended", sa.Boolean(), nullable=True))
    op.add_column("card_states", sa.Column("retired", sa.Boolean(), nullable=True))
    op.execute(f"UPDATE card_states SET ({_LIST}) = (SELECT {_LIST} FROM cards WHERE cards.id = card_states.card_id)")
    op.create_index("ix_card_states_new_deck", "card_states", ["deck_id", "position", "card_id"], unique=False,
                    sqlite_where=sa.text("state = 0"), postgresql_where=sa.text("state = 0"))
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)
    if postgresql:
        # the queue's per-deck probes rely on the planner knowing the new columns
        op.execute("ANALYZE card_states")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    on = {"trg_cards_copy_to_state": " ON cards", "trg_card_states_copy": " ON card_states"}
    for trigger, table in on.items():
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}{table if postgresql else ''}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS cards_copy_to_state()")
        op.execute("DROP FUNCTION IF EXISTS card_states_copy()")
    op.drop_index("ix_card_states_new_deck", table_name="card_states")
    for column in reversed(COPIED):
        op.drop_column("card_states", column)
