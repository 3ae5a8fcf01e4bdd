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
