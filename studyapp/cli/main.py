"""`studyapp` entry point: parse arguments, run one command, turn user errors into exit 2."""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from collections.abc import Sequence

import studyapp
from studyapp.cli.context import CliContext
from studyapp.errors import ContentError, UserError

# Each module exposes register(subparsers, parents); imported lazily so `studyapp`
# (the TUI) starts without loading what only other commands need.
COMMAND_MODULES = (
    "studyapp.cli.content_commands",
    "studyapp.cli.schedule_commands",
    "studyapp.cli.grade",
    "studyapp.cli.interop_commands",
    "studyapp.cli.stats_command",
)


class _PrintVersion(argparse.Action):
    """--version, reading the installed version only when asked (it costs start-up time)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"studyapp {studyapp.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    db_parent = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand without --db must not overwrite a top-level --db
    db_parent.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                           help="SQLAlchemy database URL (default: $STUDYAPP_DB or the user data directory)")
    parser = argparse.ArgumentParser(
        prog="studyapp", parents=[db_parent],
        description="Flashcards and graded PyTorch exercises, scheduled by FSRS.",
    )
    parser.add_argument("--version", action=_PrintVersion, help="print the version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers, [db_parent])
    return parser


def main(argv: Sequence[str] | None = None, context: CliContext | None = None) -> int:
    args = build_parser().parse_args(argv)
    ctx = context or CliContext()
    if getattr(args, "db", None):
        ctx.db_url = args.db
    try:
        if args.command is None:
            from studyapp.tui.launch import launch_tui

            return launch_tui(ctx)
        return args.handler(args, ctx)
    except ContentError as exc:
        for problem in exc.problems:
            print(f"studyapp: {problem}", file=ctx.stderr)
        summary = f"{len(exc.problems)} problem(s) in the content; nothing was changed"
        print(f"studyapp: error: {summary}", file=ctx.stderr)
        _json_error(args, ctx, exc.problems[0] if exc.problems else summary, problems=exc.problems)
        return 2
    except UserError as exc:
        print(f"studyapp: error: {exc}", file=ctx.stderr)
        _json_error(args, ctx, str(exc))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `studyapp decks | head`: the reader left; say nothing more (Python's own recipe)
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # database trouble is the user's environment, not a bug to dump
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            print(f"studyapp: error: {describe_database_error(exc)}", file=ctx.stderr)
            return 2
        raise
    finally:
        ctx.close()


_WHERE = re.compile(r"^(?P<where>\S+?:\d+): (?P<error>.*)$", re.DOTALL)
_FILE = re.compile(r"^(?P<where>[^\s:]*[/.][^\s:]*): (?P<error>.*)$", re.DOTALL)


def _json_error(args, ctx, message: str, *, problems: list[str] | None = None) -> None:
    """With --json a user error is also one JSON object on stdout: {"error", "where"}, where
    `where` is the file:line (or file) the message starts with, else the command."""
    if not getattr(args, "json", False):
        return
    match = _WHERE.match(message) or _FILE.match(message)
    where = match.group("where") if match else f"studyapp {args.command}"
    error = match.group("error") if match else message
    document = {"error": error, "where": where}
    if problems and len(problems) > 1:
        document["problems"] = problems
    try:
        ctx.print(json.dumps(document))
    except BrokenPipeError:
        pass


def describe_database_error(exc: Exception) -> str:
    from studyapp.storage.db import BUSY_TIMEOUT_MS

    detail = str(getattr(exc, "orig", exc))
    if "locked" in detail or "busy" in detail:
        return (f"the database stayed locked by another studyapp process for more than "
                f"{BUSY_TIMEOUT_MS // 1000} s; nothing was changed, try again when it is done")
    return f"database problem: {detail}"


if __name__ == "__main__":
    sys.exit(main())
