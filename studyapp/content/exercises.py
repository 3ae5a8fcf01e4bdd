"""Load one exercise folder (format in content/README.md). Grading code in the folder
(checks.py, mutants/) is not run here: only its presence is checked."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from studyapp.content.decks import ID_PATTERN, Problems
from studyapp.content.model import ExerciseSpec, Location

REQUIRED_KEYS = ("id", "title", "topic", "deck", "kind", "entry", "signature", "hints", "target_seconds")
EXERCISE_KINDS = ("implement", "fix")
REQUIRED_FILES = ("prompt.md", "starter.py", "solution.py")


def load_exercise(folder: Path, problems: Problems) -> ExerciseSpec | None:
    toml_path = folder / "exercise.toml"
    text = read_text_file(toml_path, problems)
    if text is None:
        return None
    try:
        meta = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(exc))) else 1
        problems.add(Location(toml_path, line), f"not valid TOML: {exc}")
        return None

    def where(key: str) -> Location:
        match = re.search(rf"^\s*{re.escape(key)}\s*=", text, re.MULTILINE)
        return Location(toml_path, text.count("\n", 0, match.start()) + 1 if match else 1)

    before = len(problems)
    for key in REQUIRED_KEYS:
        if key not in meta:
            problems.add(Location(toml_path, 1), f"exercise is missing the key {key!r}")
    if len(problems) > before:
        return None
    if meta["id"] != folder.name:
        problems.add(where("id"), f"exercise id {meta['id']!r} must equal its folder name {folder.name!r}")
    if not isinstance(meta["id"], str) or not ID_PATTERN.match(meta["id"]):
        problems.add(where("id"), f"exercise id {meta['id']!r} must be lowercase letters, digits and '-'")
    if meta["kind"] not in EXERCISE_KINDS:
        problems.add(where("kind"), f"unknown exercise kind {meta['kind']!r} (one of {', '.join(EXERCISE_KINDS)})")
    hints = meta["hints"]
    if not isinstance(hints, list) or not hints or not all(isinstance(h, str) and h.strip() for h in hints):
        problems.add(where("hints"), "hints must be a non-empty list of texts (nudge -> formula -> near-solution)")
    if not isinstance(meta["target_seconds"], int) or meta["target_seconds"] <= 0:
        problems.add(where("target_seconds"), "target_seconds must be a positive whole number")
    requires = meta.get("requires", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        problems.add(where("requires"), "requires must be a list of exercise or deck ids")
    for index, mutant in enumerate(meta.get("mutants", [])):
        _check_mutant(folder, mutant, index, where("mutants"), problems)
    files = {name: read_text_file(folder / name, problems) for name in REQUIRED_FILES}
    if len(problems) > before or any(v is None for v in files.values()):
        return None
    if not files["prompt.md"].strip():
        problems.add(Location(folder / "prompt.md", 1), "the exercise prompt is empty")
        return None
    return ExerciseSpec(
        id=meta["id"],
        title=meta["title"],
        topic=meta["topic"],
        deck=meta["deck"],
        kind=meta["kind"],
        entry=meta["entry"],
        signature=meta["signature"],
        prompt=files["prompt.md"],
        starter=files["starter.py"],
        solution=files["solution.py"],
        hints=list(hints),
        requires=list(requires),
        target_seconds=meta["target_seconds"],
        folder=folder,
        metadata=meta,
    )


def _check_mutant(folder: Path, mutant, index: int, where: Location, problems: Problems) -> None:
    if not isinstance(mutant, dict) or not all(k in mutant for k in ("id", "file", "misconception")):
        problems.add(where, f"mutant #{index + 1} needs id, file and misconception")
    elif not (folder / mutant["file"]).is_file():
        problems.add(where, f"mutant {mutant['id']!r} names a file that does not exist: {mutant['file']}")


def read_text_file(path: Path, problems: Problems) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.add(Location(path, 1), "file is missing")
    except UnicodeDecodeError as exc:
        problems.add(Location(path, 1), f"cannot read: not UTF-8 text ({exc.reason} at byte {exc.start})")
    except OSError as exc:
        problems.add(Location(path, 1), f"cannot read: {exc.strerror or exc}")
    return None
