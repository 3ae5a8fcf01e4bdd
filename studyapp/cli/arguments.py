"""The command line's grammar: argparse, the subcommands' modules, usage errors.

Kept apart from main.py so that the bare `studyapp [--db URL]`, which opens the TUI and is
the most frequent start, does not import argparse at all (it costs start-up time)."""

from __future__ import annotations

import argparse
import importlib

import studyapp

# Each module exposes register(subparsers, parents); imported lazily so `studyapp`
# (the TUI) starts without loading what only other commands need.
COMMAND_MODULES = (
    "studyapp.cli.content_commands",
    "studyapp.cli.schedule_commands",
    "studyapp.cli.grade",
    "studyapp.cli.interop_commands",
    "studyapp.cli.stats_command",
    "studyapp.cli.exercise_commands",
)


class UsageError(Exception):
    """argparse's complaint about the command line, raised instead of exiting so that
    main() can answer --json with a JSON object too."""

    def __init__(self, parser: argparse.ArgumentParser, message: str):
        super().__init__(message)
        self.parser = parser
        self.message = message


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser (subcommands get the same class) whose errors reach main()."""

    def error(self, message: str):
        raise UsageError(self, message)


class _PrintVersion(argparse.Action):
    """--version, reading the installed version only when asked (it costs start-up time)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"studyapp {studyapp.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The command line with every subcommand (each module registers its own)."""
    db_parent = _Parser(add_help=False)
    # SUPPRESS: a subcommand without --db must not overwrite a top-level --db
    db_parent.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                           help="SQLAlchemy database URL (default: $STUDYAPP_DB or the user data directory)")
    parser = _Parser(
        prog="studyapp", parents=[db_parent],
        description="Flashcards and graded PyTorch exercises, scheduled by FSRS.",
    )
    parser.add_argument("--version", action=_PrintVersion, help="print the version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers, [db_parent])
    return parser


def named_subcommand(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.ArgumentParser | None:
    """The parser of the command `argv` names (argv did not parse, so look for it)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            name = next((a for a in argv if a in action.choices), None)
            return action.choices[name] if name is not None else None
    return None
