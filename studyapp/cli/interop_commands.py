"""`studyapp import`, `studyapp export`, `studyapp backup` and `studyapp restore`."""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from pathlib import Path

from studyapp.errors import UserError

ANKI_SUFFIXES = (".apkg", ".colpkg")
TEXT_SUFFIXES = (".csv", ".tsv")


def register(subparsers, parents) -> None:
    imp = subparsers.add_parser(
        "import",
        parents=parents,
        help="import an Anki package (.apkg) or a CSV/TSV file of front, back[, tags]",
        description="Import cards. Importing the same file again adds nothing; "
        "changed cards are updated.",
    )
    imp.add_argument("file", type=Path, metavar="FILE", help="an .apkg/.colpkg, .csv or .tsv file")
    imp.add_argument(
        "--deck",
        metavar="NAME",
        help="the deck to import into "
        "(required for CSV/TSV; for Anki, instead of Anki's deck names)",
    )
    history = imp.add_mutually_exclusive_group()
    history.add_argument(
        "--no-history",
        dest="with_history",
        action="store_false",
        help="Anki only: leave the review history behind; every card starts as new",
    )
    history.add_argument("--with-history", dest="with_history", action="store_true",
                         help="Anki only: bring the review history (the default)")
    imp.set_defaults(with_history=None)
    imp.set_defaults(handler=run_import)

    exp = subparsers.add_parser("export", parents=parents, help="export a deck as an Anki package")
    exp.add_argument("deck", metavar="DECK", help="the deck's id (slug) or title")
    exp.add_argument(
        "--apkg", type=Path, metavar="FILE", required=True, help="the .apkg file to write"
    )
    exp.add_argument("--with-history", action="store_true",
                     help="also write each card's schedule and review log, so Anki continues it")
    exp.set_defaults(handler=run_export)

    backup = subparsers.add_parser("backup", parents=parents,
                                   help="write the whole database as one JSON file")
    backup.add_argument("file", type=Path, metavar="FILE")
    backup.set_defaults(handler=run_backup)

    restore = subparsers.add_parser("restore", parents=parents,
                                    help="restore a backup into a new, empty database")
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.set_defaults(handler=run_restore)


def run_import(args: argparse.Namespace, ctx) -> int:
    """Check everything that can be checked without writing (the file's type, --deck, the
    whole file read and validated), then back up, then write in one transaction: an import
    that fails early leaves no backup behind."""
    path: Path = args.file
    suffix = path.suffix.lower()
    if suffix in ANKI_SUFFIXES:
        # deferred: CLI start-up (loaded by the command that needs it)
        from studyapp.interop.anki_import import import_anki
        from studyapp.interop.anki_read import read_package
        from studyapp.interop.media import media_dir_for

        with_history = args.with_history is not False
        package = read_package(path, with_history=with_history, now=ctx.clock.now())
        with _backup_before_import(ctx):
            summary = import_anki(ctx.synced_database, path, ctx.clock.now(), deck_name=args.deck,
                                  with_history=with_history, media_dir=media_dir_for(ctx.db_url),
                                  package=package)
    elif suffix in TEXT_SUFFIXES:
        if args.with_history is not None:
            raise UserError(
                f"{path}: --with-history/--no-history work only with Anki packages (.apkg)"
            )
        if not args.deck or not args.deck.strip():
            raise UserError(f"{path}: importing a {suffix[1:].upper()} file needs --deck NAME")
        # deferred: CLI start-up (loaded by the command that needs it)
        from studyapp.interop.csv_import import import_csv, read_csv

        rows = read_csv(path)
        with _backup_before_import(ctx):
            summary = import_csv(
                ctx.synced_database, path, ctx.clock.now(), deck_name=args.deck, rows=rows
            )
    else:
        raise UserError(
            f"{path}: unknown file type {suffix or '(no extension)'!r}; studyapp imports "
            f"{', '.join(ANKI_SUFFIXES + TEXT_SUFFIXES)}"
        )
    ctx.print(summary.describe())
    return 0


@contextmanager
def _backup_before_import(ctx):
    """Copy the database aside right before writing (the newest 5 pre-import copies are
    kept): an import can add thousands of cards, and the learner may want the collection as
    it was. A failed import rolls back, so its copy is deleted and prunes nothing."""
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.storage.safety_copy import backup_for_change

    with backup_for_change(
        ctx.synced_database.engine, reason="pre-import", now=ctx.clock.now()
    ) as path:
        if path is not None and ctx.synced_database.engine.url.get_backend_name() != "sqlite":
            # a server database's copy lives in this machine's data folder: say where
            print(f"studyapp: backed up the database before importing: {path}", file=ctx.stderr)
        yield path


def run_export(args: argparse.Namespace, ctx) -> int:
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.cli.deck_names import deck_slug
    from studyapp.interop.anki_export import export_deck

    slug = deck_slug(ctx, args.deck, include_retired=True, option="DECK")
    summary = export_deck(ctx.synced_database, slug, args.apkg, ctx.clock.now(),
                          with_history=args.with_history)
    ctx.print(summary.describe())
    return 0


def run_backup(args: argparse.Namespace, ctx) -> int:
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.interop.json_backup import write_backup
    from studyapp.interop.media import media_dir_for

    counts = write_backup(ctx.plain_database,  # a backup copies the database as it is
                           args.file, ctx.clock.now(), media_dir_for(ctx.db_url))
    ctx.print(
        f"Wrote backup {args.file}: " + ", ".join(f"{n} {name}" for name, n in counts.items()) + "."
    )
    return 0


def run_restore(args: argparse.Namespace, ctx) -> int:
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.interop.json_backup import restore_backup
    from studyapp.interop.media import media_dir_for

    counts = restore_backup(ctx.plain_database,  # a restore needs it empty
                             args.file, media_dir_for(ctx.db_url))
    ctx.print(
        f"Restored {args.file}: " + ", ".join(f"{n} {name}" for name, n in counts.items()) + "."
    )
    return 0
