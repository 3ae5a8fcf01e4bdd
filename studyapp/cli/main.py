"""`studyapp` entry point: parse arguments, run one command, turn user errors into exit 2."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from studyapp.cli.context import CliContext
from studyapp.errors import ContentError, UserError

_NOT_THE_TUI = object()  # the command line names a command (or anything but --db)


def _bare_database_option(argv: list[str]) -> object:
    """For a command line that is just `[--db URL]...` (the TUI, the most frequent start):
    the last URL given, or None; for any other command line, `_NOT_THE_TUI`. One walk, so
    what counts as bare and which URL is taken cannot disagree."""
    url = None
    rest = list(argv)
    while rest:
        if rest[0] == "--db" and len(rest) >= 2:
            url, rest = rest[1], rest[2:]
        elif rest[0].startswith("--db="):
            url, rest = rest[0].removeprefix("--db="), rest[1:]
        else:
            return _NOT_THE_TUI
    return url


def _parse(argv: list[str], ctx: CliContext) -> Any:
    """The parsed command line, or the exit code of a usage error (already reported)."""
    url = _bare_database_option(argv)
    if url is not _NOT_THE_TUI:
        return SimpleNamespace(command=None, db=url)
    # deferred: kept out of the TUI's start-up (test_startup_imports)
    from studyapp.cli.arguments import UsageError, build_parser, named_subcommand

    parser = build_parser()
    try:
        return parser.parse_args(argv)
    except UsageError as exc:
        exc.parser.print_usage(ctx.stderr)
        print(f"{exc.parser.prog}: error: {exc.message}", file=ctx.stderr)
        command = named_subcommand(parser, argv)
        if "--json" in argv and command is not None and "--json" in command._option_string_actions:
            _print_json_error(ctx, exc.message, command.prog)
        return 2


def main(argv: Sequence[str] | None = None, context: CliContext | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ctx = context or CliContext()
    args = _parse(argv, ctx)
    if isinstance(args, int):
        return args
    if getattr(args, "db", None):
        ctx.db_url = args.db
    command = f"studyapp {args.command}" if args.command else "studyapp"
    wants_json = bool(getattr(args, "json", False))
    try:
        if args.command is None:
            # deferred: textual loads only when the app opens (layer contract)
            from studyapp.tui.launch import launch_tui

            return launch_tui(ctx)
        return args.handler(args, ctx)
    except ContentError as exc:
        for problem in exc.problems:
            print(f"studyapp: {problem}", file=ctx.stderr)
        summary = f"{len(exc.problems)} problem(s) in the content; nothing was changed"
        print(f"studyapp: error: {summary}", file=ctx.stderr)
        if wants_json:
            _print_json_error(ctx, exc.problems[0] if exc.problems else summary, command,
                              problems=exc.problems)
        return 2
    except UserError as exc:
        print(f"studyapp: error: {exc}", file=ctx.stderr)
        if wants_json:
            _print_json_error(ctx, str(exc), command, where=exc.where)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `studyapp decks | head`: the reader left; say nothing more (Python's own recipe)
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # database trouble is the user's environment, not a bug to dump
        # deferred: kept out of the TUI's start-up (test_startup_imports)
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            message = describe_database_error(exc)
            print(f"studyapp: error: {message}", file=ctx.stderr)
            if wants_json:
                _print_json_error(ctx, message, "--db")
            return 2
        raise
    finally:
        ctx.close()


# "path/file.csv:12: sentence" or "path/file.apkg: sentence": the message says where itself
_FILE_LINE = re.compile(r"^(?P<where>[^\s:][^:\n]*:\d+): (?P<error>.+)$", re.DOTALL)
_FILE = re.compile(r"^(?P<where>[^\s:]*[/\\.][^\s:]*): (?P<error>.+)$", re.DOTALL)


def split_where(message: str, default: str) -> tuple[str, str]:
    """(error, where) for a user error's one line: where is the `file:line` (or file) the
    message starts with, else `default` (the option or command that was wrong)."""
    match = _FILE_LINE.match(message) or _FILE.match(message)
    if match:
        return match.group("error"), match.group("where")
    return message, default


def _print_json_error(ctx, message: str, default_where: str, *, where: str | None = None,
                      problems: list[str] | None = None) -> None:
    """With --json a user error is also one JSON object on stdout, so a script that reads
    stdout gets an answer: {"error": ..., "where": ...} (and every problem of bad content)."""
    error, found = split_where(message, default_where)
    document: dict[str, str | list[str]] = {"error": error if where is None else message,
                                            "where": where or found}
    if problems and len(problems) > 1:
        document["problems"] = problems
    try:
        print(json.dumps(document), file=ctx.stdout)
    except BrokenPipeError:
        pass


def describe_database_error(exc: Exception) -> str:
    # deferred: kept out of the TUI's start-up (test_startup_imports)
    from studyapp.storage.db import BUSY_TIMEOUT_MS

    original = getattr(exc, "orig", exc)
    detail = str(original).strip()
    sqlstate = getattr(original, "sqlstate", None)
    # SQLite says "database is locked"; PostgreSQL's lock_timeout is SQLSTATE 55P03.
    if sqlstate == "55P03" or "locked" in detail or "busy" in detail or "lock timeout" in detail:
        return (f"the database stayed locked by another studyapp process for more than "
                f"{BUSY_TIMEOUT_MS // 1000} s; nothing was changed, try again when it is done")
    first_line = detail.splitlines()[0] if detail else type(original).__name__
    if "password authentication failed" in detail:
        return f"the database server refused the password: {first_line}"
    if "does not exist" in detail and "database" in detail:
        return f"no such database on the server: {first_line}"
    if "Connection refused" in detail or "No such file or directory" in detail \
            or "could not translate host name" in detail or "connection failed" in detail:
        return f"cannot reach the database server: {first_line}"
    return f"database problem: {first_line}"


if __name__ == "__main__":
    sys.exit(main())
