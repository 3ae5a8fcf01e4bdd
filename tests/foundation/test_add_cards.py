"""Adding cards as plain Markdown in the learner's own folder: `studyapp add`, the
`adds_to` deck files, ids, and the file written back when an own card is edited."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from studyapp.cli.context import CliContext
from studyapp.cli.main import main
from studyapp.content.authoring import NewCard, card_id_for, preview_cards
from studyapp.storage.db import open_database
from studyapp.storage.models import Card


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


def run_cli(args, db_url, clock):
    out, err = io.StringIO(), io.StringIO()
    code = main(["--db", db_url, *args], CliContext(clock=clock, stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


def card(db_url, content_id):
    database = open_database(db_url)
    try:
        with database.unit_of_work() as session:
            found = session.scalars(select(Card).where(Card.content_id == content_id)).first()
            return None if found is None else (found.kind, found.front, found.back, found.tags, found.deck.slug)
    finally:
        database.dispose()


def test_add_a_basic_card_to_a_shipped_deck_by_title(file_db_url, clock, tmp_path):
    code, out, err = run_cli(["add", "--deck", "Optimizers", "--front", "What does Adam's eps guard against?",
                              "--back", "Division by zero in the update.", "--tags", "adam", "eps"],
                             file_db_url, clock)
    assert code == 0, err
    own = tmp_path / "xdg" / "studyapp" / "my-content"
    path = own / "decks" / "optimizers.md"
    text = path.read_text()
    assert text.startswith("---\nadds_to: optimizers\n---\n")
    assert "## my-what-does-adam-s-eps-guard\nkind: basic\ntags: adam, eps\n\nQ: What does Adam" in text
    assert str(path) in out
    assert card(file_db_url, "my-what-does-adam-s-eps-guard") == (
        "basic", "What does Adam's eps guard against?", "Division by zero in the update.", "adam eps", "optimizers")
    # a second sync changes nothing: the file is the source of truth
    code, out, _ = run_cli(["sync"], file_db_url, clock)
    assert code == 0 and "nothing changed" in out


def test_add_cloze_choice_and_reversed_cards_to_a_new_deck(file_db_url, clock, tmp_path):
    code, out, err = run_cli(["add", "--deck", "My notes", "--cloze", "ReLU is {{c1::max(0, x)}}.", "--json"],
                             file_db_url, clock)
    assert code == 0, err
    added = json.loads(out)
    assert added["deck"] == "my-notes" and added["cards"] == 1
    assert card(file_db_url, added["id"] + "::c1")[0] == "cloze"
    own_deck = tmp_path / "xdg" / "studyapp" / "my-content" / "decks" / "my-notes.md"
    assert own_deck.read_text().startswith("---\nid: my-notes\ntitle: My notes\n---\n")
    code, out, err = run_cli(["add", "--deck", "my-notes", "--choice", "--front", "Which is bounded?",
                              "--right", "tanh", "--wrong", "ReLU", "--json"], file_db_url, clock)
    assert code == 0, err
    choice = json.loads(out)["id"]
    assert card(file_db_url, choice)[0] == "choice"
    code, out, err = run_cli(["add", "--deck", "my-notes", "--front", "sigmoid(0)", "--back", "0.5",
                              "--reversed", "--json"], file_db_url, clock)
    assert code == 0 and json.loads(out)["cards"] == 2, err
    assert card(file_db_url, json.loads(out)["id"] + "::reverse")[1] == "0.5"


def test_add_refuses_what_is_not_a_card(file_db_url, clock):
    code, out, err = run_cli(["add", "--deck", "Optimizers", "--front", "only a front"], file_db_url, clock)
    assert code == 2 and "--front and --back" in err and out == ""
    code, _, err = run_cli(["add", "--deck", "Optimizers", "--cloze", "no deletion here"], file_db_url, clock)
    assert code == 2 and "no deletion" in err
    code, _, err = run_cli(["add", "--deck", "Optimizers", "--choice", "--front", "Q?", "--right", "a"],
                           file_db_url, clock)
    assert code == 2 and "two options" in err


def test_ids_are_readable_and_unique():
    new = NewCard("basic", "d", front="What is the capital of France?", back="Paris")
    first = card_id_for(new, set())
    assert first == "my-what-is-the-capital-of-france"
    assert card_id_for(new, {first}).startswith(first + "-")
    cards, problems = preview_cards(NewCard("cloze", "d", text="a {{c1::b}} {{c2::c}}"))
    assert not problems and [c.content_id for c in cards] == ["my-new-card::c1", "my-new-card::c2"]


SHIPPED = "---\nid: ship\ntitle: Ship\n---\n\n## s-one\nkind: basic\ntags: t\n\nQ: Old question?\n\nA: Old answer.\n"


def test_editing_an_own_folder_card_rewrites_its_file(file_db_url, clock, tmp_path):
    from studyapp.study.edits import SAVED_TO_FILE, save_card_edit

    code, out, err = run_cli(["add", "--deck", "Mine", "--front", "sigmoid(0)?", "--back", "1", "--reversed",
                              "--tags", "act", "--json"], file_db_url, clock)
    assert code == 0, err
    added = json.loads(out)
    database = open_database(file_db_url)
    with database.unit_of_work() as session:
        card_id = session.scalar(select(Card.id).where(Card.content_id == added["id"]))
    assert save_card_edit(database, clock, card_id, {"front": "sigmoid(0)?", "back": "0.5"}) == SAVED_TO_FILE
    text = (tmp_path / "xdg" / "studyapp" / "my-content" / "decks" / "mine.md").read_text()
    assert f"## {added['id']}\nkind: basic\ntags: act\nreverse: true\n\nQ: sigmoid(0)?\n\nA: 0.5\n" in text
    assert "A: 1\n" not in text
    with database.unit_of_work() as session:
        reverse = session.scalars(select(Card).where(Card.content_id == added["id"] + "::reverse")).one()
        assert reverse.front == "0.5"  # the sibling follows the file
    database.dispose()
    code, out, _ = run_cli(["sync"], file_db_url, clock)
    assert code == 0 and "nothing changed" in out


def test_an_edited_shipped_card_survives_a_content_update_and_sync_says_so(tmp_path, clock, make_content):
    from studyapp.content.service import sync_folders
    from studyapp.study.cards import card_detail
    from studyapp.study.edits import SAVED_AS_OVERRIDE, save_card_edit, take_shipped_text

    root = make_content({"decks/ship.md": SHIPPED}, name="ship")
    database = open_database(f"sqlite:///{tmp_path / 'o.db'}")
    sync_folders(database, clock, [root], trust=True)
    with database.unit_of_work() as session:
        card_id = session.scalar(select(Card.id).where(Card.content_id == "s-one"))
    assert save_card_edit(database, clock, card_id, {"front": "My question?", "back": "My answer."}) \
        == SAVED_AS_OVERRIDE
    assert (root / "decks" / "ship.md").read_text() == SHIPPED  # the shipped file is not touched
    # a sync of the unchanged file keeps the edit quietly
    summary = sync_folders(database, clock)
    assert not summary.kept_overrides
    # the shipped text changes: the edit is kept, and the sync says so
    (root / "decks" / "ship.md").write_text(SHIPPED.replace("Old answer.", "New shipped answer."))
    summary = sync_folders(database, clock)
    assert summary.kept_overrides == ["s-one"]
    assert "Kept your edited version of 1 card(s)" in summary.describe() and "s-one" in summary.describe()
    with database.unit_of_work() as session:
        detail = card_detail(session, card_id)
    assert (detail.front, detail.back) == ("My question?", "My answer.")
    assert detail.edited and detail.shipped_changed and detail.shipped_back == "New shipped answer."
    assert not sync_folders(database, clock).kept_overrides  # said once
    take_shipped_text(database, clock, card_id)
    with database.unit_of_work() as session:
        detail = card_detail(session, card_id)
    assert (detail.back, detail.edited) == ("New shipped answer.", False)
    database.dispose()
