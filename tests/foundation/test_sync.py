"""Sync: all or nothing, idempotent, history kept across edits, retire instead of delete."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from studyapp.content.loader import load_content
from studyapp.content.service import sync_folders
from studyapp.content.sync import sync_content
from studyapp.errors import ContentError
from studyapp.storage.models import Card, CardState, ReviewLog
from studyapp.storage.settings import get_setting

DECK = """---
id: demo
title: Demo
---

## q-one
kind: basic

Q: Adam's default beta2?

A: 0.999

## q-two
kind: cloze

Text: RMSprop divides by {{c1::sqrt(square_avg)}} + {{c2::eps}}.
"""


def sync_root(database, clock, root):
    with database.unit_of_work() as session:
        return sync_content(session, load_content([root]), clock.now())


def snapshot(database):
    """Everything sync could touch, as plain values."""
    with database.unit_of_work() as session:
        cards = [(c.content_id, c.front, c.back, c.retired, c.content_hash, c.updated_at)
                 for c in session.scalars(select(Card).order_by(Card.content_id))]
        logs = session.scalars(select(ReviewLog.id)).all()
    return cards, logs


def test_first_sync_adds_then_second_changes_nothing(database, clock, make_content):
    root = make_content({"decks/demo.md": DECK})
    first = sync_root(database, clock, root)
    assert (first.added, first.updated, first.retired, first.unchanged) == (3, 0, 0, 0)
    before = snapshot(database)
    clock.advance(hours=1)
    second = sync_root(database, clock, root)
    assert (second.added, second.updated, second.retired, second.unchanged) == (0, 0, 0, 3)
    assert not second.changed and "nothing changed" in second.describe()
    assert snapshot(database) == before


def test_editing_an_answer_keeps_review_history(database, clock, make_content):
    root = make_content({"decks/demo.md": DECK})
    sync_root(database, clock, root)
    with database.unit_of_work() as session:
        card = session.scalars(select(Card).where(Card.content_id == "q-one")).one()
        card.state.state, card.state.stability, card.state.due = 2, 12.5, clock.now() + timedelta(days=12)
        session.add(ReviewLog(card_id=card.id, rating=3, reviewed_at=clock.now(), prev_state=0, state=2))
        card_id = card.id
    (root / "decks/demo.md").write_text(DECK.replace("A: 0.999", "A: 0.999 (torch default betas=(0.9, 0.999))"))
    summary = sync_root(database, clock, root)
    assert (summary.updated, summary.added, summary.unchanged) == (1, 0, 2)
    with database.unit_of_work() as session:
        card = session.get(Card, card_id)
        assert "torch default" in card.back
        assert card.state.stability == 12.5 and card.state.state == 2
        assert len(session.scalars(select(ReviewLog).where(ReviewLog.card_id == card_id)).all()) == 1


def test_removed_cards_are_retired_with_history_and_come_back(database, clock, make_content):
    root = make_content({"decks/demo.md": DECK})
    sync_root(database, clock, root)
    trimmed = DECK.split("## q-two")[0]
    (root / "decks/demo.md").write_text(trimmed)
    summary = sync_root(database, clock, root)
    assert summary.retired == 2
    with database.unit_of_work() as session:
        retired = session.scalars(select(Card).where(Card.retired.is_(True))).all()
        assert sorted(c.content_id for c in retired) == ["q-two::c1", "q-two::c2"]
        assert len(session.scalars(select(CardState)).all()) == 3
    (root / "decks/demo.md").write_text(DECK)
    back = sync_root(database, clock, root)
    assert (back.updated, back.retired) == (2, 0)


def test_leech_tag_survives_a_content_edit(database, clock, make_content):
    root = make_content({"decks/demo.md": DECK})
    sync_root(database, clock, root)
    with database.unit_of_work() as session:
        session.scalars(select(Card).where(Card.content_id == "q-one")).one().tags = "leech"
    (root / "decks/demo.md").write_text(DECK.replace("0.999", "0.999."))
    sync_root(database, clock, root)
    with database.unit_of_work() as session:
        assert session.scalars(select(Card).where(Card.content_id == "q-one")).one().tags == "leech"


def test_malformed_file_leaves_database_exactly_as_before(database, clock, make_content):
    good = make_content({"decks/demo.md": DECK}, name="good")
    sync_folders(database, clock, [good], trust=True)
    before = snapshot(database)
    with database.unit_of_work() as session:
        folders_before = get_setting(session, "content.folders")
    bad = make_content({"decks/bad.md": "---\nid: bad\ntitle: Bad\n---\n## x\nkind: basic\nQ: q\n"}, name="bad")
    with pytest.raises(ContentError) as info:
        sync_folders(database, clock, [bad], trust=True)
    assert "bad.md:5: basic card 'x' is missing its answer (A:)" in info.value.problems[0]
    assert snapshot(database) == before
    with database.unit_of_work() as session:
        assert get_setting(session, "content.folders") == folders_before


def test_synced_folders_are_remembered(database, clock, make_content):
    extra = make_content({"decks/demo.md": DECK}, name="mine")
    first = sync_folders(database, clock, [extra], trust=True)
    assert "demo" in first.decks
    again = sync_folders(database, clock)  # no folder named: the remembered one is still synced
    assert not again.changed
    with database.unit_of_work() as session:
        assert get_setting(session, "content.folders") == [str(extra.resolve())]
