"""The CLI as a user runs it: real subprocesses for the entry point, in-process for the rest."""

import io
import json
import subprocess
import sys

import pytest

from studyapp.cli.context import CliContext
from studyapp.cli.main import main


def run_cli(args, db_url, clock):
    out, err = io.StringIO(), io.StringIO()
    code = main(["--db", db_url, *args], CliContext(clock=clock, stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


def test_version_via_console_entry_point():
    result = subprocess.run([sys.executable, "-m", "studyapp", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("studyapp ")


def test_sync_then_decks_shows_the_shipped_decks(file_db_url, clock):
    code, out, _ = run_cli(["sync"], file_db_url, clock)
    assert code == 0 and "unchanged" in out
    code, out, _ = run_cli(["decks"], file_db_url, clock)
    assert code == 0 and "initialization" in out


def test_decks_json_is_one_document(file_db_url, clock):
    code, out, _ = run_cli(["decks", "--json"], file_db_url, clock)
    assert code == 0
    document = json.loads(out)
    init = next(d for d in document["decks"] if d["slug"] == "initialization")
    assert init["cards"] >= 10 and init["new"] == init["cards"] and init["due"] == 0


def test_bad_content_exits_2_with_file_and_line_and_no_change(file_db_url, clock, make_content):
    run_cli(["sync"], file_db_url, clock)
    _, before, _ = run_cli(["decks", "--json"], file_db_url, clock)
    bad = make_content({"decks/bad.md": "---\nid: bad\ntitle: Bad\n---\n\n## x\nkind: quiz\n"}, name="bad")
    code, out, err = run_cli(["sync", str(bad), "--trust"], file_db_url, clock)
    assert code == 2 and out == ""
    assert "bad.md:7: unknown kind 'quiz'" in err
    assert "Traceback" not in err
    _, after, _ = run_cli(["decks", "--json"], file_db_url, clock)
    assert after == before


def test_db_flag_and_env_var_choose_the_database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'from-env.db'}"
    monkeypatch.setenv("STUDYAPP_DB", url)
    result = subprocess.run([sys.executable, "-m", "studyapp", "decks", "--json"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-env.db").exists()
    other = tmp_path / "flag.db"
    result = subprocess.run([sys.executable, "-m", "studyapp", "decks", "--db", f"sqlite:///{other}"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and other.exists()


def test_default_database_lives_in_the_user_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    result = subprocess.run([sys.executable, "-m", "studyapp", "decks"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "xdg" / "studyapp" / "studyapp.db").exists()


def test_bad_database_url_is_one_line_exit_2(clock):
    code, _, err = run_cli(["decks"], "not a url", clock)
    assert code == 2 and err.count("\n") == 1 and "not a database URL" in err


def test_unknown_command_is_a_usage_error():
    result = subprocess.run([sys.executable, "-m", "studyapp", "fly"], capture_output=True, text=True)
    assert result.returncode == 2 and "invalid choice" in result.stderr


MINE = "---\nid: mine\ntitle: Mine\n---\n\n## m-one\nkind: basic\nQ: q\nA: a\n"
EXERCISE = {
    "exercises/my-step/exercise.toml": (
        'id = "my-step"\ntitle = "My step"\ntopic = "mine"\ndeck = "mine"\nkind = "implement"\n'
        'entry = "f"\nsignature = "f(x)"\ntarget_seconds = 300\nrequires = []\nhints = ["a", "b", "c"]\n'
    ),
    "exercises/my-step/prompt.md": "Write f.\n",
    "exercises/my-step/starter.py": "def f(x):\n    raise NotImplementedError\n",
    "exercises/my-step/solution.py": "def f(x):\n    return x\n",
}


def test_a_new_folder_with_exercises_must_be_trusted_first(file_db_url, clock, make_content):
    mine = make_content({"decks/mine.md": MINE, **EXERCISE}, name="mine")
    code, _, err = run_cli(["sync", str(mine)], file_db_url, clock)
    assert code == 2 and "not a trusted content folder" in err and "--trust" in err
    code, out, _ = run_cli(["sync", str(mine), "--trust"], file_db_url, clock)
    assert code == 0 and "added 2" in out
    code, out, _ = run_cli(["sync", str(mine)], file_db_url, clock)  # remembered: trusted now
    assert code == 0 and "nothing changed" in out


def test_a_folder_of_decks_alone_needs_no_trust(file_db_url, clock, make_content):
    from studyapp.content.service import configured_roots
    from studyapp.storage.db import open_database

    mine = make_content({"decks/mine.md": MINE}, name="mine")
    code, out, err = run_cli(["sync", str(mine)], file_db_url, clock)
    assert code == 0 and "added 1" in out, err
    assert run_cli(["sync"], file_db_url, clock)[0] == 0  # remembered
    # exercises appear in it later: they are code, so now it must be trusted, and until then
    # the grader does not see the folder
    for relative, text in EXERCISE.items():
        (mine / relative).parent.mkdir(parents=True, exist_ok=True)
        (mine / relative).write_text(text, encoding="utf-8")
    code, out, err = run_cli(["sync"], file_db_url, clock)
    assert code == 2 and out == "" and f"{mine}: now holds exercises" in err and "--trust" in err
    database = open_database(file_db_url)
    assert mine not in configured_roots(database)
    database.dispose()
    code, out, err = run_cli(["sync", str(mine), "--trust"], file_db_url, clock)
    assert code == 0 and "added 1" in out, err
    database = open_database(file_db_url)
    assert mine in configured_roots(database)
    database.dispose()


def test_sync_says_plainly_what_is_wrong_with_a_path(file_db_url, clock, tmp_path, make_content):
    missing = tmp_path / "nonexistent"
    code, out, err = run_cli(["sync", str(missing), "--trust"], file_db_url, clock)
    assert (code, out, err) == (2, "", f"studyapp: error: {missing}: no such folder\n")
    empty = tmp_path / "empty"
    (empty / "notes").mkdir(parents=True)
    code, _, err = run_cli(["sync", str(empty), "--trust"], file_db_url, clock)
    assert code == 2 and f"{empty}: found no content: expected decks/ or exercises/" in err
    file = make_content({"decks/mine.md": MINE}, name="mine") / "decks" / "mine.md"
    code, _, err = run_cli(["sync", str(file)], file_db_url, clock)
    assert code == 2 and "not a folder" in err and err.count("\n") == 1
    code, out, _ = run_cli(["decks", "--json"], file_db_url, clock)  # none of them was remembered
    assert "mine" not in [d["slug"] for d in json.loads(out)["decks"]]


def test_a_closed_pipe_is_not_a_traceback(file_db_url, clock, monkeypatch):
    """`studyapp decks | head -1`: the reader leaves, the next write raises BrokenPipeError."""

    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    dup2_calls = []
    monkeypatch.setattr("os.dup2", lambda *args: dup2_calls.append(args))
    err = io.StringIO()
    code = main(["--db", file_db_url, "decks"], CliContext(clock=clock, stdout=ClosedPipe(), stderr=err))
    assert code == 141 and err.getvalue() == "" and dup2_calls


# -- issue 14: with --json a user error is one JSON object on stdout too ----------------------


def _json_error(code, out, err):
    assert code == 2
    assert "studyapp" in err and "error: " in err and "Traceback" not in err
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    document = json.loads(lines[0])
    assert set(document) >= {"error", "where"}
    return document


@pytest.mark.parametrize("command", [
    ["due", "--json"], ["optimize", "--json"], ["decks", "--json"], ["exercises", "--json"],
    ["stats", "--json"], ["grade", "some-exercise", "x.py", "--json"],
])
def test_every_json_command_reports_a_bad_database_url_as_json(clock, command):
    document = _json_error(*run_cli(command, "not a url", clock))
    assert document == {"error": "not a database URL: 'not a url'", "where": f"studyapp {command[0]}"}


def test_json_errors_say_where(file_db_url, clock, tmp_path):
    document = _json_error(*run_cli(["due", "--deck", "nope", "--json"], file_db_url, clock))
    assert document["where"] == "--deck" and "no deck 'nope'" in document["error"]
    document = _json_error(*run_cli(["stats", "--json", "--day-start-hour", "25"], file_db_url, clock))
    assert document == {"error": "--day-start-hour must be 0-23, not 25", "where": "studyapp stats"}
    missing = tmp_path / "missing.py"
    document = _json_error(*run_cli(["grade", "sgd-step", str(missing), "--json"], file_db_url, clock))
    assert document["where"] == str(missing) and document["error"] == "no such file"


def test_a_usage_error_with_json_is_json_too(file_db_url, clock):
    code, out, err = run_cli(["due", "--json", "--deck"], file_db_url, clock)
    document = _json_error(code, out, err)
    assert document == {"error": "argument --deck: expected one argument", "where": "studyapp due"}
    assert err.startswith("usage: studyapp due")
    code, out, err = run_cli(["due", "--deck"], file_db_url, clock)  # without --json: stderr only
    assert code == 2 and out == "" and "expected one argument" in err
    code, out, err = run_cli(["sync", "--json"], file_db_url, clock)  # sync has no --json
    assert code == 2 and out == "" and "unrecognized arguments: --json" in err
    document = _json_error(*run_cli(["due", "--json", "--frobnicate"], file_db_url, clock))
    assert document == {"error": "unrecognized arguments: --frobnicate", "where": "studyapp due"}


def test_without_json_an_error_prints_nothing_on_stdout(file_db_url, clock):
    code, out, err = run_cli(["due", "--deck", "nope"], file_db_url, clock)
    assert code == 2 and out == "" and err.count("\n") == 1


def test_export_takes_a_deck_title_in_any_case(file_db_url, clock, tmp_path):
    package = tmp_path / "init.apkg"
    code, out, err = run_cli(["export", "weight INITIALIZATION", "--apkg", str(package)], file_db_url, clock)
    assert code == 0, err
    assert out.startswith("Exported deck initialization:") and package.exists()
    code, out, err = run_cli(["export", "Optimisers", "--apkg", str(package)], file_db_url, clock)
    assert code == 2 and out == "" and "did you mean Optimizers (optimizers)?" in err
