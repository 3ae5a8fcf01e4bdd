"""A small hand-written curriculum synced into an in-memory database, and a ReviewService
over it with a fixed clock (UTC, day starting at 4:00)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import select

from studyapp.content.loader import load_content
from studyapp.content.sync import sync_content
from studyapp.scheduling.presets import Preset, save_preset
from studyapp.scheduling.service import ReviewService
from studyapp.storage.models import Card


def _basic(card_id: str, extra: str = "") -> str:
    return f"## {card_id}\nkind: basic\n{extra}\nQ: question {card_id}?\n\nA: answer {card_id}.\n\n"


def _deck(slug: str, order: int, body: str, requires: str = "") -> str:
    req = f"requires: {requires}\n" if requires else ""
    return f"---\nid: {slug}\ntitle: {slug.title()}\ntopic: {slug}\n{req}order: {order}\n---\n\n{body}"


CLOZE = "## sgd-cloze\nkind: cloze\n\nText: w <- w - {{c1::lr}} * {{c2::grad}}\n\n"


def _exercise(ex_id: str, deck: str, requires: list[str], target: int = 300) -> dict[str, str]:
    toml = (
        f'id = "{ex_id}"\ntitle = "{ex_id}"\ntopic = "{deck}"\ndeck = "{deck}"\nkind = "implement"\n'
        f'entry = "f"\nsignature = "f(x)"\ntarget_seconds = {target}\nrequires = {requires!r}\n'
        'hints = ["nudge", "formula", "near-solution"]\n'
    ).replace("'", '"')
    return {
        f"exercises/{ex_id}/exercise.toml": toml,
        f"exercises/{ex_id}/prompt.md": f"Write {ex_id}.\n",
        f"exercises/{ex_id}/starter.py": "def f(x):\n    raise NotImplementedError\n",
        f"exercises/{ex_id}/solution.py": "def f(x):\n    return x\n",
    }


def curriculum_files(big: int = 40) -> dict[str, str]:
    files = {
        # sgd: 3 plain cards, a basic card with its reversed sibling, a cloze with two siblings
        "decks/sgd.md": _deck(
            "sgd", 10,
            "".join(_basic(f"sgd-{i}") for i in range(1, 4)) + _basic("sgd-rev", "reverse: true") + CLOZE,
        ),
        "decks/momentum.md": _deck("momentum", 20, "".join(_basic(f"mom-{i}") for i in range(1, 4)), "sgd"),
        "decks/adam.md": _deck("adam", 30, "".join(_basic(f"adam-{i}") for i in range(1, 3)), "momentum"),
        "decks/big.md": _deck("big", 40, "".join(_basic(f"big-{i}") for i in range(1, big + 1))),
    }
    files.update(_exercise("sgd-step", "sgd", []))
    files.update(_exercise("adam-step", "adam", ["sgd-step"]))
    return files


def write_root(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "content"
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def curriculum(database, clock, tmp_path):
    """The database with the curriculum synced; returns {content_id: card id}."""
    bundle = load_content([write_root(tmp_path, curriculum_files())])
    with database.unit_of_work() as session:
        sync_content(session, bundle, clock.now())
        return {c: i for c, i in session.execute(select(Card.content_id, Card.id))}


def set_preset(database, deck: str, **changes) -> Preset:
    preset = Preset(**changes)
    with database.unit_of_work() as session:
        save_preset(session, deck, preset)
    return preset


@pytest.fixture
def service(database, clock, curriculum) -> ReviewService:
    return ReviewService(database, clock, day_start_hour=4, zone=UTC)


@pytest.fixture
def no_fuzz(database):
    for deck in ("sgd", "momentum", "adam", "big"):
        set_preset(database, deck, enable_fuzzing=False)


STATE_COLUMNS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")


def card_state(database, card_id: int) -> tuple:
    from studyapp.storage.models import CardState

    with database.unit_of_work() as session:
        row = session.get(CardState, card_id)
        return tuple(getattr(row, c) for c in STATE_COLUMNS)


def log_count(database) -> int:
    from sqlalchemy import func

    from studyapp.storage.models import ReviewLog

    with database.unit_of_work() as session:
        return session.scalar(select(func.count(ReviewLog.id)))
