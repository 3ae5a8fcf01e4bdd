"""card_states.deck_id, .position, .note_id, .suspended and .retired (migration 0008): copies of
the card's columns kept by the database, so that the queue picks due and new cards from the
states alone."""

from datetime import UTC, datetime

from sqlalchemy import inspect, select, text, update

from studyapp.storage import migrate
from studyapp.storage.db import create_db_engine, open_database
from studyapp.storage.models import Card, CardState, Deck

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _decks_and_cards(session, n_cards: int = 3) -> tuple[Deck, Deck, list[Card]]:
    first = Deck(slug="a", title="A", created_at=NOW, updated_at=NOW)
    second = Deck(slug="b", title="B", created_at=NOW, updated_at=NOW)
    cards = [Card(deck=first, content_id=f"c{i}", note_id=f"c{i}", kind="basic", front="Q", back="A",
                  created_at=NOW, updated_at=NOW, state=CardState()) for i in range(n_cards)]
    session.add_all([first, second, *cards])
    session.flush()
    return first, second, cards


def _copies(session) -> dict[int, tuple]:
    """What each state holds of its card (booleans as 0/1 on both engines)."""
    rows = session.execute(text("SELECT card_id, deck_id, position, note_id, suspended, retired FROM card_states"))
    return {card_id: (deck, pos, note, int(suspended), int(retired))
            for card_id, deck, pos, note, suspended, retired in rows}


def _follows_its_card(url: str) -> None:
    db = open_database(url)
    try:
        with db.unit_of_work() as session:
            first, second, cards = _decks_and_cards(session)
            ids = [c.id for c in cards]
        with db.unit_of_work() as session:
            assert _copies(session) == {i: (first.id, 0, f"c{n}", 0, 0) for n, i in enumerate(ids)}
            # changed by the ORM and by plain SQL: the state follows either way
            card = session.get(Card, ids[0])
            card.deck_id, card.suspended = second.id, True
            session.flush()
            session.execute(update(Card).where(Card.id == ids[1]).values(deck_id=second.id, position=5, note_id="n"))
            session.execute(update(Card).where(Card.id == ids[2]).values(position=9, retired=True))
            # a state inserted with wrong copies (a restore of a hand-edited backup) takes the card's
            session.execute(text("DELETE FROM card_states WHERE card_id = :i"), {"i": ids[2]})
            session.execute(text("INSERT INTO card_states (card_id, state, reps, lapses, deck_id, position, note_id)"
                                 " VALUES (:i, 0, 0, 0, :wrong, 1, 'x')"), {"i": ids[2], "wrong": second.id})
        with db.unit_of_work() as session:
            assert _copies(session) == {ids[0]: (second.id, 0, "c0", 1, 0), ids[1]: (second.id, 5, "n", 0, 0),
                                        ids[2]: (first.id, 9, "c2", 0, 1)}
    finally:
        db.dispose()


def test_a_state_takes_and_follows_its_cards_columns_on_sqlite(file_db_url):
    _follows_its_card(file_db_url)


def test_a_state_takes_and_follows_its_cards_columns_on_postgresql(pg_url):
    _follows_its_card(pg_url)


def _upgrade_fills_existing_states(url: str) -> None:
    engine = create_db_engine(url)
    try:
        migrate.upgrade(engine, "0007")
        with engine.begin() as conn:
            false = "false" if engine.dialect.name == "postgresql" else "0"
            conn.execute(text("INSERT INTO decks (id, slug, title, description, topic, requires, position,"
                              f" source_path, retired, created_at, updated_at) VALUES (7, 'd', 'D', '', '', '[]',"
                              f" 0, '', {false}, :now, :now)"), {"now": NOW.replace(tzinfo=None)})
            conn.execute(text("INSERT INTO cards (id, deck_id, content_id, note_id, kind, position, topic, front,"
                              " back, extra, tags, suspended, retired, source_file, source_line, content_hash,"
                              f" created_at, updated_at) VALUES (3, 7, 'c', 'c', 'basic', 4, '', 'Q', 'A', '{{}}',"
                              f" '', {false}, {false}, '', 0, '', :now, :now)"), {"now": NOW.replace(tzinfo=None)})
            conn.execute(text("INSERT INTO card_states (card_id, state, reps, lapses) VALUES (3, 0, 0, 0)"))
        migrate.upgrade(engine, "0008")
        with engine.connect() as conn:
            copies = conn.execute(text("SELECT deck_id, position, note_id, suspended, retired FROM card_states"
                                       " WHERE card_id = 3")).one()
            assert tuple(copies) == (7, 4, "c", False, False)
        migrate.downgrade(engine, "0007")  # and back: triggers, index and column go
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM card_states")).scalar() == 1
            columns = {c["name"] for c in inspect(conn).get_columns("card_states")}
            assert not {"deck_id", "position", "note_id", "suspended", "retired"} & columns
    finally:
        engine.dispose()


def test_the_upgrade_fills_the_copies_of_existing_states_on_sqlite(file_db_url):
    _upgrade_fills_existing_states(file_db_url)


def test_the_upgrade_fills_the_copies_of_existing_states_on_postgresql(pg_url):
    _upgrade_fills_existing_states(pg_url)


def _decks_with_new_follow_the_cards(url: str) -> None:
    from studyapp.scheduling.queue import _queue_sql
    from studyapp.storage.sqldialect import RawSql

    db = open_database(url)
    try:
        with db.unit_of_work() as session:
            first, second, cards = _decks_and_cards(session, n_cards=1)
            sql = _queue_sql(RawSql(session).dialect).decks_with_new
            assert {d for (d,) in RawSql(session).rows(sql)} == {first.id}
            cards[0].suspended = True
            session.flush()
            assert RawSql(session).rows(sql) == []
            cards[0].suspended = False
            cards[0].deck_id = second.id
            session.flush()
            assert {d for (d,) in RawSql(session).rows(sql)} == {second.id}
            assert session.scalar(select(CardState.deck_id)) == second.id
    finally:
        db.dispose()


def test_the_decks_with_new_cards_follow_suspending_and_moving_on_sqlite(file_db_url):
    """A deck whose only new card is suspended has none; moving a new card makes its new
    deck have one (through the triggers' copies)."""
    _decks_with_new_follow_the_cards(file_db_url)


def test_the_decks_with_new_cards_follow_suspending_and_moving_on_postgresql(pg_url):
    _decks_with_new_follow_the_cards(pg_url)
