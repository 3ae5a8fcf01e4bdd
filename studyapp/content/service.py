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
from studyapp.storage.settings import get_setting, get_setting_strings, set_setting

CONTENT_FOLDERS_KEY = "content.folders"
# remembered folders synced without --trust: they held decks only, no code
UNTRUSTED_FOLDERS_KEY = "content.untrusted"


def configured_roots(database: Database) -> list[Path]:
    """The shipped content plus every folder the learner has synced before, less any
    untrusted folder that has gained exercises since (the grader would run them)."""
    with database.unit_of_work() as session:
        extra, untrusted = _remembered(session)
    return [
        shipped_content_dir(),
        *(p for p in extra if not (str(p) in untrusted and holds_code(p))),
    ]


def _remembered(session) -> tuple[list[Path], set[str]]:
    extra = [Path(p) for p in get_setting_strings(session, CONTENT_FOLDERS_KEY)]
    return extra, set(get_setting_strings(session, UNTRUSTED_FOLDERS_KEY))


def sync_folders(database: Database, clock: Clock, new_folders: Sequence[Path] = (),
                 *, trust: bool = False) -> SyncSummary:
    """Load shipped + remembered + `new_folders`, then write all of it in one transaction.

    A folder with exercises is code, not just text: their checks and reference solutions
    run on the grader's trusted side. So a folder holding exercise folders is synced only
    when the learner says `trust`; a folder of decks alone is text and needs no trust, and
    is remembered as untrusted: should exercises appear in it later, sync asks for `trust`
    then (and the grader does not load them). Nothing is written (not even the remembered
    folder list) if a folder or any file is invalid.
    """
    new_folders = [Path(p).expanduser().resolve() for p in new_folders]
    with database.unit_of_work() as session:
        extra, untrusted = _remembered(session)
    roots = [shipped_content_dir(), *extra]
    for folder in new_folders:
        check_content_folder(folder)
        if trust:
            untrusted.discard(str(folder))
        elif folder not in roots:
            untrusted.add(str(folder))
        if folder not in roots:
            roots.append(folder)
    for folder in roots[1:]:
        if str(folder) in untrusted and holds_code(folder):
            raise UserError(_trust_message(folder, new=folder not in extra))
    bundle = load_content(roots)  # raises ContentError before anything is written
    with database.unit_of_work() as session:
        summary = sync_content(session, bundle, clock.now())
        remembered = [str(r) for r in roots[1:]]
        if remembered != get_setting(session, CONTENT_FOLDERS_KEY, []):
            set_setting(session, CONTENT_FOLDERS_KEY, remembered)
        still_untrusted = sorted(untrusted & set(remembered))
        if still_untrusted != sorted(get_setting_strings(session, UNTRUSTED_FOLDERS_KEY)):
            set_setting(session, UNTRUSTED_FOLDERS_KEY, still_untrusted)
    return summary


def _trust_message(folder: Path, *, new: bool) -> str:
    what = (
        "not a trusted content folder yet"
        if new
        else "now holds exercises but was synced without --trust"
    )
    return (f"{folder}: {what}. Its exercise checks and reference solutions would run as code "
            f"on this machine, so say you trust it: studyapp sync {folder} --trust")


def check_content_folder(folder: Path) -> None:
    """A folder given to sync exists and holds decks/ or exercises/ (else one plain line)."""
    if not folder.exists():
        raise UserError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise UserError(
            f"{folder}: not a folder; give the content folder that holds decks/ or exercises/"
        )
    if not (folder / "decks").is_dir() and not (folder / "exercises").is_dir():
        raise UserError(f"{folder}: found no content: expected decks/ or exercises/ in it "
                        "(see content/README.md)")


def holds_code(folder: Path) -> bool:
    """Whether the folder has exercise folders (their checks and solutions run as code);
    the same folders the loader reads."""
    exercises = folder / "exercises"
    try:
        return exercises.is_dir() and any(
            p.is_dir() and not p.name.startswith((".", "_")) for p in exercises.iterdir())
    except OSError:  # unreadable: assume the worst, the loader will say what is wrong
        return True


def ensure_initial_content(database: Database, clock: Clock) -> SyncSummary | None:
    """On first start (no decks yet) sync the shipped content."""
    with database.unit_of_work() as session:
        if session.scalars(select(Deck.id).limit(1)).first() is not None:
            return None
    return sync_folders(database, clock)
