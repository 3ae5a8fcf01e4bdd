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


def configured_roots(database: Database) -> list[Path]:
    """The shipped content plus every folder the learner has synced before."""
    with database.unit_of_work() as session:
        extra = get_setting(session, CONTENT_FOLDERS_KEY, [])
    return [shipped_content_dir(), *(Path(p) for p in extra)]


def sync_folders(database: Database, clock: Clock, new_folders: Sequence[Path] = (),
                 *, trust: bool = False) -> SyncSummary:
    """Load shipped + remembered + `new_folders`, then write all of it in one transaction.

    A folder from elsewhere is code, not just text: its exercises' checks and reference
    solutions run on the grader's trusted side. So a new folder is synced only when the
    learner says `trust`; once synced it is remembered, and remembered means trusted.
    Nothing is written (not even the remembered folder list) if any file is invalid.
    """
    new_folders = [Path(p).expanduser().resolve() for p in new_folders]
    roots = configured_roots(database)
    for folder in new_folders:
        if folder in roots:
            continue
        if not trust:
            raise UserError(
                f"{folder}: not a trusted content folder yet. Its exercise checks and reference "
                "solutions would run as code on this machine, so say you trust it: "
                f"studyapp sync {folder} --trust"
            )
        roots.append(folder)
    bundle = load_content(roots)  # raises ContentError before anything is written
    with database.unit_of_work() as session:
        summary = sync_content(session, bundle, clock.now())
        remembered = [str(r) for r in roots[1:]]
        if remembered != get_setting(session, CONTENT_FOLDERS_KEY, []):
            set_setting(session, CONTENT_FOLDERS_KEY, remembered)
    return summary


def ensure_initial_content(database: Database, clock: Clock) -> SyncSummary | None:
    """On first start (no decks yet) sync the shipped content."""
    with database.unit_of_work() as session:
        if session.scalars(select(Deck.id).limit(1)).first() is not None:
            return None
    return sync_folders(database, clock)
