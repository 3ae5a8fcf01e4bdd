"""The commands as a user runs them: exit 0 with a summary, or exit 2 with one line."""

from __future__ import annotations

import io
import json

import pytest

from studyapp.cli.context import CliContext
from studyapp.cli.main import main
from studyapp.storage.db import open_database

from .anki_builder import genanki_package
from .conftest import dump


def run(args, url, clock, *, plain=True):
    out, err = io.StringIO(), io.StringIO()
    context = CliContext(db_url=url, clock=clock, stdout=out, stderr=err,
                         sync_shipped_content=not plain)
    code = main(args, context)
    return code, out.getvalue(), err.getvalue()


def test_import_export_backup_restore(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    package = genanki_package(tmp_path / "deep.apkg")
    code, out, err = run(["import", str(package)], url, clock)
    assert (code, err) == (0, "") and "added 5" in out
    code, out, _ = run(["import", str(package)], url, clock)
    assert code == 0 and "added 0, updated 0, unchanged 5" in out
    (tmp_path / "w.tsv").write_text("a\tb\n")
    code, out, _ = run(["import", str(tmp_path / "w.tsv"), "--deck", "Words"], url, clock)
    assert code == 0 and "into words: added 1" in out
    code, out, _ = run(["export", "deep-learning-activations", "--apkg", str(tmp_path / "out.apkg")], url, clock)
    assert code == 0 and "3 notes (5 cards)" in out and (tmp_path / "out.apkg").exists()
    code, out, _ = run(["backup", str(tmp_path / "b.json")], url, clock)
    assert code == 0 and "6 cards" in out
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    code, out, err = run(["restore", str(tmp_path / "b.json")], fresh, clock, plain=False)
    assert (code, err) == (0, ""), err
    run(["backup", str(tmp_path / "c.json")], fresh, clock)
    assert (tmp_path / "b.json").read_text() == (tmp_path / "c.json").read_text()
    code, _, err = run(["restore", str(tmp_path / "b.json")], fresh, clock)
    assert code == 2 and "not empty" in err


@pytest.mark.parametrize(
    ("args", "files", "message"),
    [
        (["import", "{tmp}/x.apkg"], {"x.apkg": b"junk"}, "x.apkg: not an Anki package"),
        (["import", "{tmp}/x.csv", "--deck", "D"], {"x.csv": b""}, "x.csv: the file is empty"),
        (["import", "{tmp}/x.csv"], {"x.csv": b"a,b\n"}, "x.csv: importing a CSV file needs --deck NAME"),
        (["import", "{tmp}/x.csv", "--deck", "D", "--with-history"], {"x.csv": b"a,b\n"}, "only with Anki packages"),
        (["import", "{tmp}/x.txt"], {"x.txt": b"a"}, "unknown file type '.txt'"),
        (["export", "nope", "--apkg", "{tmp}/o.apkg"], {}, "no deck 'nope'"),
        (["restore", "{tmp}/b.json"], {"b.json": b"{oops"}, "b.json:1: not a studyapp backup"),
        (["restore", "{tmp}/b.json"], {"b.json": json.dumps({"format": "studyapp-backup", "version": 9}).encode()},
         "backup format version 9 is not supported"),
    ],
)
def test_errors_are_one_line_and_exit_2(tmp_path, clock, args, files, message):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    database = open_database(url)
    before = dump(database)
    database.dispose()
    code, out, err = run([a.replace("{tmp}", str(tmp_path)) for a in args], url, clock)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("studyapp: error: ") and message in err, err
    assert "Traceback" not in err
    database = open_database(url)
    assert dump(database) == before
    database.dispose()


def backups(tmp_path) -> list[str]:
    folder = tmp_path / "backups"
    return sorted(p.name for p in folder.glob("*.db")) if folder.is_dir() else []


def test_a_failed_import_writes_no_backup_and_evicts_none(tmp_path, clock):
    """Checks that need no writing come before the backup; a copy made before an import
    that then fails is dropped, so failed attempts never push out the good copies."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    (tmp_path / "w.tsv").write_text("a\tb\n")
    code, _, err = run(["import", str(tmp_path / "w.tsv"), "--deck", "Words"], url, clock)
    assert code == 0, err
    good = backups(tmp_path)
    assert len(good) == 1
    (tmp_path / "bad.csv").write_text("front,back\nWhat is ReLU?,max(0, x)\n")
    (tmp_path / "junk.apkg").write_bytes(b"junk")
    for args in (["import", str(tmp_path / "w.tsv")],  # no --deck
                 ["import", str(tmp_path / "bad.csv"), "--deck", "Words"],
                 ["import", str(tmp_path / "junk.apkg")],
                 ["import", str(tmp_path / "missing.apkg")]):
        for _ in range(6):
            code, _, _ = run(args, url, clock)
            assert code == 2
    assert backups(tmp_path) == good


def test_a_backup_taken_before_an_import_that_fails_later_is_dropped(tmp_path, clock, monkeypatch):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    (tmp_path / "w.tsv").write_text("a\tb\n")
    assert run(["import", str(tmp_path / "w.tsv"), "--deck", "Words"], url, clock)[0] == 0
    good = backups(tmp_path)

    def fail(*args, **kwargs):
        from studyapp.errors import UserError

        raise UserError("w.tsv:1: the deck went away")

    monkeypatch.setattr("studyapp.interop.csv_import.import_csv", fail)
    code, _, err = run(["import", str(tmp_path / "w.tsv"), "--deck", "Words"], url, clock)
    assert code == 2 and "went away" in err
    assert backups(tmp_path) == good


def test_csv_rows_with_more_fields_than_the_header_are_refused_unless_quoted(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    (tmp_path / "bad.csv").write_text("front,back\nWhat is tanh?,a squashing function\nWhat is ReLU?,max(0, x)\n")
    code, out, err = run(["import", str(tmp_path / "bad.csv"), "--deck", "Words"], url, clock)
    assert code == 2 and out == ""
    assert "bad.csv:3: 3 fields where the header has 2" in err and "quoted" in err
    (tmp_path / "good.csv").write_text('front,back\nWhat is ReLU?,"max(0, x)"\n')
    code, out, err = run(["import", str(tmp_path / "good.csv"), "--deck", "Words"], url, clock)
    assert code == 0 and "added 1" in out, err
    database = open_database(url)
    assert "max(0, x)" in dump(database)
    database.dispose()


def test_json_user_error_is_an_object_on_stdout(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    code, out, err = run(["due", "--json", "--deck", "nope"], url, clock)
    assert code == 2 and json.loads(out)["where"] == "--deck"


def test_history_comes_by_default_and_no_history_leaves_it(tmp_path, clock):
    from .test_anki_import import history_collection

    collection, _, _ = history_collection()
    package = collection.package(tmp_path / "h.apkg")
    code, out, err = run(["import", str(package), "--no-history"], f"sqlite:///{tmp_path / 'a.db'}", clock)
    assert (code, err) == (0, "") and "reviews brought across" not in out and "(--no-history)" in out
    code, out, err = run(["import", str(package)], f"sqlite:///{tmp_path / 'b.db'}", clock)
    assert (code, err) == (0, "") and "7 reviews brought across" in out
    code, out, _ = run(["export", "ml-optimizers", "--apkg", str(tmp_path / "o.apkg"), "--with-history"],
                       f"sqlite:///{tmp_path / 'b.db'}", clock)
    assert code == 0 and "With the schedule and 7 reviews." in out
