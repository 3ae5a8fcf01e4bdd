"""`studyapp sync` retires only cards of decks that come from content files."""

from __future__ import annotations

from sqlalchemy import select

from studyapp.content.loader import load_content
from studyapp.content.sync import sync_content
from studyapp.interop.anki_import import import_anki
from studyapp.interop.csv_import import import_csv
from studyapp.storage.models import Card, Deck

from .anki_builder import BASIC_ID, Collection
from .conftest import DECK


def test_sync_keeps_imported_cards_and_still_retires_removed_content(synced, clock, tmp_path, make_content):
    collection = Collection()
    collection.note(1, "g", BASIC_ID, ["q", "a"])
    import_anki(synced, collection.package(tmp_path / "a.apkg"), clock.now())
    (tmp_path / "w.csv").write_text("front,back\nx,y\n")
    import_csv(synced, tmp_path / "w.csv", clock.now(), deck_name="Words")
    # the content loses one card
    root = make_content({"decks/optim.md": DECK.replace("## code-card", "## code-card-renamed")}, name="c2")
    with synced.unit_of_work() as session:
        summary = sync_content(session, load_content([root]), clock.now())
    assert summary.retired == 2  # code-card and the exercise (not in this root)
    with synced.unit_of_work() as session:
        retired = {c.content_id for c in session.scalars(select(Card).where(Card.retired))}
        decks = {d.slug: d.retired for d in session.scalars(select(Deck))}
    assert retired == {"code-card", "sgd-step"}
    assert decks == {"optim": False, "ml": False, "ml-optimizers": False, "words": False}
    assert not any(content_id.startswith(("anki-", "csv-")) for content_id in retired)


def test_a_content_deck_cannot_take_over_an_imported_deck(synced, clock, tmp_path, make_content):
    import pytest

    from studyapp.errors import ContentError

    (tmp_path / "w.csv").write_text("front,back\nx,y\n")
    import_csv(synced, tmp_path / "w.csv", clock.now(), deck_name="Words")
    clash = make_content({"decks/words.md": "---\nid: words\ntitle: Words\n---\n\n## w-one\nkind: basic\nQ: q\nA: a\n"},
                         name="clash")
    with pytest.raises(ContentError) as info, synced.unit_of_work() as session:
        sync_content(session, load_content([clash]), clock.now())
    assert "words.md:1: deck id 'words' is already used by a deck imported from" in info.value.problems[0]
    with synced.unit_of_work() as session:
        words = session.scalars(select(Deck).where(Deck.slug == "words")).one()
        assert words.source_path.startswith("import:")
        cards = session.scalars(select(Card).where(Card.deck_id == words.id)).all()
        assert [c.content_id for c in cards][0].startswith("csv-")
