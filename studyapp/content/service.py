"""Content use cases the CLI and the TUI share: sync the configured folders, first start."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from studyapp.clock import Clock
from studyapp.content.loader import load_content
from studyapp.content.sync import SyncSummary, sync_content
from studyapp.errors import UserError
from studyapp.paths import shipped_content_dir
from studyapp.storage.db import Database
from studyapp.storage.models import Deck
from studyapp.storage.settings import get_setting, set_setting

CONTENT_FOLDERS_KEY = "content.folders"
UNTRUSTED_FOLDERS_KEY = "content.untrusted"  # remembered folders synced without --trust (decks only)


def configured_roots(database: Database) -> list[Path]:
    """The shipped content plus every folder the learner has synced before."""
    with database.unit_of_work() as session:
        extra = get_setting(session, CONTENT_FOLDERS_KEY, [])
    return [shipped_content_dir(), *(Path(p) for p in extra)]


def sync_folders(database: Database, clock: Clock, new_folders: Sequence[Path] = (),
                 *, trust: bool = False) -> SyncSummary:
    """Load shipped + remembered + `new_folders`, then write all of it in one transaction.

    A folder with exercises is code, not just text: their checks and reference solutions
    run on the grader's trusted side. So a folder holding exercise folders is synced only
    when the learner says `trust`; a folder of decks alone is only text and needs no
    trust. Once synced a folder is remembered; a deck-only folder is remembered as
    untrusted until trusted, so exercises added to it later still need `--trust`.
    Nothing is written (not even the remembered folder list) if any file is invalid.
    """
    new_folders = [Path(p).expanduser().resolve() for p in new_folders]
    roots = configured_roots(database)
    with database.unit_of_work() as session:
        untrusted = set(get_setting(session, UNTRUSTED_FOLDERS_KEY, []) or [])
    for folder in new_folders:
        check_content_folder(folder)
        if trust:
            untrusted.discard(str(folder))
        if folder in roots:
            continue
        if not trust:
            if holds_code(folder):
                raise UserError(
                    f"{folder}: not a trusted content folder yet. Its exercise checks and reference "
                    "solutions would run as code on this machine, so say you trust it: "
                    f"studyapp sync {folder} --trust"
                )
            untrusted.add(str(folder))
        roots.append(folder)
    for folder in roots[1:]:
        if str(folder) in untrusted and folder.is_dir() and holds_code(folder):
            raise UserError(
                f"{folder}: this folder now holds exercises, whose checks run as code on this machine; "
                f"say you trust it: studyapp sync {folder} --trust"
            )
    bundle = load_content(roots)  # raises ContentError before anything is written
    with database.unit_of_work() as session:
        summary = sync_content(session, bundle, clock.now())
        remembered = [str(r) for r in roots[1:]]
        if remembered != get_setting(session, CONTENT_FOLDERS_KEY, []):
            set_setting(session, CONTENT_FOLDERS_KEY, remembered)
        untrusted_now = sorted(f for f in untrusted if f in remembered)
        if untrusted_now != (get_setting(session, UNTRUSTED_FOLDERS_KEY, []) or []):
            set_setting(session, UNTRUSTED_FOLDERS_KEY, untrusted_now)
    return summary


def check_content_folder(folder: Path) -> None:
    """A folder given to sync must exist and hold decks/ or exercises/."""
    if not folder.exists():
        raise UserError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise UserError(f"{folder}: not a folder; give the content folder that holds decks/ and exercises/")
    if not (folder / "decks").is_dir() and not (folder / "exercises").is_dir():
        raise UserError(
            f"{folder}: no content found: a content folder holds decks/<deck>.md and/or "
            "exercises/<id>/ (see content/README.md)"
        )


def holds_code(folder: Path) -> bool:
    """Whether the folder has exercise folders (their checks.py and solutions run as code)."""
    exercises = folder / "exercises"
    return exercises.is_dir() and any(
        p.is_dir() and not p.name.startswith((".", "_")) for p in exercises.iterdir()
    )


def ensure_initial_content(database: Database, clock: Clock) -> SyncSummary | None:
    """On first start (no decks yet) sync the shipped content."""
    with database.unit_of_work() as session:
        if session.scalars(select(Deck.id).limit(1)).first() is not None:
            return None
    return sync_folders(database, clock)
