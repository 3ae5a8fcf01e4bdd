"""The bare `studyapp [--db URL]` opens the TUI: what it imports before the first frame
is start-up time (benchmarks/startup.py), so the command-line machinery stays out of it."""

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("argparse", "platformdirs", "sqlalchemy", "torch", "studyapp.cli.content_commands")


def _loaded_after_parsing(argv: list[str]) -> list[str]:
    code = (
        "import json, sys\n"
        "from studyapp.cli.main import CliContext, _parse\n"
        f"args = _parse({argv!r}, CliContext())\n"
        "import studyapp.tui.launch\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    env = dict(os.environ, STUDYAPP_DB="sqlite://")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("argv", [[], ["--db", "sqlite://"], ["--db=sqlite://"]])
def test_opening_the_tui_parses_without_argparse_or_the_commands(argv):
    assert _loaded_after_parsing(argv) == []


def test_a_command_does_load_the_parser_so_the_check_can_fail():
    assert {"argparse", "studyapp.cli.content_commands"} <= set(_loaded_after_parsing(["decks"]))


def test_the_tui_keeps_the_last_db_option():
    from studyapp.cli.main import CliContext, _parse

    args = _parse(["--db", "sqlite:///a.db", "--db=sqlite:///b.db"], CliContext(db_url="sqlite://"))
    assert (args.command, args.db) == (None, "sqlite:///b.db")
