"""CSV/TSV import: header detection, tags, idempotence, and every bad file."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from studyapp.errors import UserError
from studyapp.interop.csv_import import content_id_for, import_csv
from studyapp.storage.models import Card, Deck

from .conftest import dump


def cards(database):
    with database.unit_of_work() as session:
        return {c.content_id: (c.front, c.back, c.tags, c.deck.slug, c.source_line)
                for c in session.scalars(select(Card))}


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_csv_with_header_and_tags(database, clock, tmp_path):
    path = write(tmp_path, "words.csv",
                 'Tags,Question,Answer\n"lr optim",What is the LR?,"step size,\nscaled"\n,Epoch?,One pass\n')
    summary = import_csv(database, path, clock.now(), deck_name="ML Words")
    assert (summary.added, summary.decks) == (2, ["ml-words"])
    assert cards(database) == {
        content_id_for("What is the LR?"): ("What is the LR?", "step size,\nscaled", "lr optim", "ml-words", 2),
        content_id_for("Epoch?"): ("Epoch?", "One pass", "", "ml-words", 4),
    }
    with database.unit_of_work() as session:
        deck = session.scalars(select(Deck)).one()
        assert deck.title == "ML Words" and deck.source_path.startswith("import:csv:")


def test_headerless_tsv_with_bom_and_crlf(database, clock, tmp_path):
    path = write(tmp_path, "t.tsv", b"\xef\xbb\xbfa\tb\ttag1 tag2\r\nc\td\r\n\r\n")
    import_csv(database, path, clock.now(), deck_name="T")
    assert cards(database) == {
        content_id_for("a"): ("a", "b", "tag1 tag2", "t", 1),
        content_id_for("c"): ("c", "d", "", "t", 2),
    }


def test_semicolon_csv_is_recognised(database, clock, tmp_path):
    path = write(tmp_path, "s.csv", "front;back\nx;y\n")
    import_csv(database, path, clock.now(), deck_name="S")
    assert list(cards(database).values())[0][:2] == ("x", "y")


def test_importing_again_adds_nothing_and_an_edit_updates(database, clock, tmp_path):
    path = write(tmp_path, "w.csv", "front,back\nq1,a1\nq2,a2\nq1,duplicate\n")
    first = import_csv(database, path, clock.now(), deck_name="W")
    assert first.added == 2 and "1 rows repeating an earlier front" in first.describe()
    before = dump(database)
    again = import_csv(database, path, clock.now(), deck_name="W")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert dump(database) == before
    write(tmp_path, "w.csv", "front,back\nq1,a1 edited\nq2,a2\n")
    edited = import_csv(database, path, clock.now(), deck_name="W")
    assert (edited.added, edited.updated, edited.unchanged) == (0, 1, 1)
    assert cards(database)[content_id_for("q1")][1] == "a1 edited"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", "", r"empty\.csv: the file is empty"),
        ("blank.csv", "\n  \n\n", r"blank\.csv: the file is empty"),
        ("header.csv", "front,back\n", r"header\.csv: no cards: the file has a header row"),
        ("utf16.csv", "front,back\nq,a\n".encode("utf-16"), r"utf16\.csv: the file is UTF-16 text"),
        ("utf16le.csv", "front,back\nq,a\n".encode("utf-16-le"), r"utf16le\.csv:1: the file holds NUL bytes"),
        ("latin1.csv", "front,back\nq,a\ncaf\u00e9,x\n".encode("latin-1"),
         r"latin1\.csv:3: not UTF-8 text \(byte 0xe9\)"),
        ("one.csv", "front,back\nq,a\nonly one column\n", r"one\.csv:3: expected a front and a back column"),
        ("nofront.csv", "q,a\n ,b\n", r"nofront\.csv:2: the front \(column 1\) is empty"),
        ("noback.tsv", "q\t\n", r"noback\.tsv:1: the back \(column 2\) is empty"),
        ("quote.csv", 'front,back\n"q,a\n', r"quote\.csv:\d+: not valid CSV"),
    ],
)
def test_bad_files_are_one_clear_error_and_change_nothing(synced, clock, tmp_path, name, data, message):
    path = write(tmp_path, name, data)
    before = dump(synced)
    with pytest.raises(UserError, match=message) as caught:
        import_csv(synced, path, clock.now(), deck_name="Bad")
    assert "\n" not in str(caught.value)
    assert dump(synced) == before


def test_missing_file_and_content_deck_name(synced, clock, tmp_path):
    with pytest.raises(UserError, match="nope.csv: no such file"):
        import_csv(synced, tmp_path / "nope.csv", clock.now(), deck_name="X")
    path = write(tmp_path, "ok.csv", "q,a\n")
    before = dump(synced)
    with pytest.raises(UserError, match="deck 'optim' comes from the content files"):
        import_csv(synced, path, clock.now(), deck_name="Optim")
    assert dump(synced) == before


# -- issue 14: a row with more fields than the header is refused unless quoted -----------------


@pytest.mark.parametrize(("name", "data", "message"), [
    ("h.csv", "front,back\nWhat is sigmoid?,1/(1+e^-x)\nWhat is ReLU?,max(0, x)\n",
     'h.csv:3: 3 fields where the header has 2; a field that holds a comma must be quoted, e.g. "max(0, x)"'),
    ("t.csv", "front,back,tags\nq,a,t1\nq2,a2,t2,extra\n", "t.csv:3: 4 fields where the header has 3"),
    ("n.csv", "q1,a1\nq2,a2\nq3,a, with a comma\nq4,a4\n", "n.csv:3: 3 fields where most rows have 2"),
    ("r.csv", "What is ReLU?,max(0, x)\n",
     "r.csv:1: a bracket opened in one field closes in the next; a field that holds a comma must be quoted"),
    ("s.tsv", "front\tback\nq\ta\tb\n", "s.tsv:2: 3 fields where the header has 2; a field that holds a tab"),
])
def test_a_row_with_more_fields_than_the_columns_is_refused(synced, clock, tmp_path, name, data, message):
    path = write(tmp_path, name, data)
    before = dump(synced)
    with pytest.raises(UserError) as caught:
        import_csv(synced, path, clock.now(), deck_name="Mine")
    file_and_line, detail = message.split(": ", 1)
    text = str(caught.value)
    assert text.startswith(f"{tmp_path / file_and_line}: ") and detail in text and "\n" not in text
    assert dump(synced) == before


def test_quoted_fields_and_padding_are_fine(database, clock, tmp_path):
    path = write(tmp_path, "ok.csv", 'front,back\nWhat is ReLU?,"max(0, x)"\nWhat is tanh?,odd,,\n')
    assert import_csv(database, path, clock.now(), deck_name="Mine").added == 2
    assert cards(database)[content_id_for("What is ReLU?")][1] == "max(0, x)"
    headerless = write(tmp_path, "tags.csv", "a,b,tag1 tag2\nc,d\ne,f(x),g(x)\n")  # brackets closed in place
    assert import_csv(database, headerless, clock.now(), deck_name="Tagged").added == 3
    assert cards(database)[content_id_for("e")][2] == "g(x)"
