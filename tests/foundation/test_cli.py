"""The CLI as a user runs it: real subprocesses for the entry point, in-process for the rest."""

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

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


TOY_EXERCISE = Path(__file__).parents[1] / "tui" / "content" / "exercises" / "toy-add"
MINE_DECK = "---\nid: mine\ntitle: Mine\n---\n\n## m-one\nkind: basic\nQ: q\nA: a\n"


def add_exercise(root: Path) -> None:
    """An exercise (code: checks and solutions run on this machine) in the `mine` deck."""
    folder = root / "exercises" / "toy-add"
    shutil.copytree(TOY_EXERCISE, folder)
    toml = folder / "exercise.toml"
    toml.write_text(toml.read_text().replace('deck = "drills"', 'deck = "mine"'))


def test_a_new_folder_with_exercises_must_be_trusted_first(file_db_url, clock, make_content):
    mine = make_content({"decks/mine.md": MINE_DECK}, name="mine")
    add_exercise(mine)
    code, _, err = run_cli(["sync", str(mine)], file_db_url, clock)
    assert code == 2 and "not a trusted content folder" in err and "--trust" in err
    code, out, err = run_cli(["sync", str(mine), "--trust"], file_db_url, clock)
    assert code == 0 and "added 2" in out, err
    code, out, _ = run_cli(["sync", str(mine)], file_db_url, clock)  # remembered: trusted now
    assert code == 0 and "nothing changed" in out


def test_a_folder_of_decks_alone_needs_no_trust_until_it_holds_exercises(file_db_url, clock, make_content):
    mine = make_content({"decks/mine.md": MINE_DECK}, name="mine")
    code, out, err = run_cli(["sync", str(mine)], file_db_url, clock)
    assert code == 0 and "added 1" in out, err
    add_exercise(mine)
    code, _, err = run_cli(["sync"], file_db_url, clock)
    assert code == 2 and "now holds exercises" in err and "--trust" in err
    code, out, err = run_cli(["sync", str(mine), "--trust"], file_db_url, clock)
    assert code == 0 and "added 1" in out, err


def test_sync_says_when_a_folder_is_missing_or_holds_no_content(file_db_url, clock, tmp_path):
    code, _, err = run_cli(["sync", str(tmp_path / "nowhere")], file_db_url, clock)
    assert code == 2 and "no such folder" in err and "trusted" not in err
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli(["sync", str(tmp_path / "empty"), "--trust"], file_db_url, clock)
    assert code == 2 and "no content found" in err and "decks/" in err and "exercises/" in err


def test_json_user_errors_are_one_object_on_stdout(file_db_url, clock):
    code, out, err = run_cli(["due", "--json", "--deck", "nope"], file_db_url, clock)
    assert code == 2 and "no deck 'nope'" in err
    document = json.loads(out)
    assert set(document) == {"error", "where"}
    assert document["where"] == "studyapp due" and "no deck 'nope'" in document["error"]


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
