"""Property tests: whatever bytes a content file holds, the loader answers with a clean
result or a ContentError whose every problem names file:line — never a traceback —
and a failed sync leaves the database exactly as it was."""

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from studyapp.content.loader import load_content
from studyapp.content.service import sync_folders
from studyapp.errors import ContentError
from studyapp.storage.models import Card

from .test_loader import EXERCISE_TOML, GOOD_DECK

PROBLEM = re.compile(r"^.+:\d+: \S.*$")
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def mutate(text: str, data) -> str:
    """Delete, duplicate or replace random lines and characters of a valid file."""
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        if not lines:
            break
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["drop", "dup", "junk", "cut"]))
        if action == "drop":
            del lines[i]
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "junk":
            lines[i] = data.draw(st.text(max_size=30))
        else:
            lines[i] = lines[i][: data.draw(st.integers(0, max(0, len(lines[i]) - 1)))]
    return "\n".join(lines)


def load_or_problems(root: Path):
    try:
        return load_content([root]), []
    except ContentError as exc:
        return None, exc.problems


@FUZZ
@given(data=st.data())
def test_mutated_decks_never_crash_the_loader(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "decks").mkdir()
    (root / "decks" / "demo.md").write_text(mutate(GOOD_DECK, data), encoding="utf-8")
    bundle, problems = load_or_problems(root)
    assert bundle is not None or problems
    for problem in problems:
        assert PROBLEM.match(problem), problem
        assert "demo.md:" in problem


@FUZZ
@given(raw=st.binary(max_size=300))
def test_random_bytes_never_crash_the_loader(tmp_path_factory, raw):
    root = tmp_path_factory.mktemp("bytes")
    (root / "decks").mkdir()
    (root / "decks" / "junk.md").write_bytes(raw)
    folder = root / "exercises" / "ex-one"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_bytes(raw)
    _, problems = load_or_problems(root)
    assert problems  # random bytes are never a valid deck with a valid exercise
    assert all(PROBLEM.match(p) for p in problems), problems


@FUZZ
@given(data=st.data())
def test_a_failed_sync_changes_nothing(database, clock, tmp_path_factory, data):
    root = tmp_path_factory.mktemp("sync")
    (root / "decks").mkdir()
    (root / "decks" / "demo.md").write_text(mutate(GOOD_DECK, data), encoding="utf-8")
    folder = root / "exercises" / "ex-one"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(mutate(EXERCISE_TOML, data), encoding="utf-8")
    for name in ("prompt.md", "starter.py", "solution.py"):
        (folder / name).write_text("x\n")

    def cards():
        with database.unit_of_work() as s:
            return [(c.content_id, c.front, c.back, c.retired) for c in s.scalars(select(Card).order_by(Card.id))]

    before = cards()
    try:
        sync_folders(database, clock, [root], trust=True)
    except ContentError as exc:
        assert all(PROBLEM.match(p) for p in exc.problems)
        assert cards() == before
