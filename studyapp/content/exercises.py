"""Exercise folders (format in content/README.md): the one reader of ``exercise.toml``.

`read_exercise_toml` is the only parser of that file.  Two callers build on it:
`load_exercise_folder` here (the content loader: the toml plus the prompt, starter and
solution texts, problems collected for a `file:line` report) and
`studyapp.grading.exercises.load_exercise_meta` (the grader's view: the toml plus the ban
policy, one `GradingError` on the first problem).

Layer direction: grading imports this module; content never imports grading.  This module
and what it imports (`content.decks`, `content.model`) are pure (no storage, no torch, no
textual), so the grader's client and worker gain no dependency by reading exercises through
it.  Grading code in the folder (checks.py, mutants/) is not run here: only its presence is
checked.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studyapp.content.decks import ID_PATTERN, Problems
from studyapp.content.model import ExerciseSpec, Location

EXERCISE_KINDS = ("implement", "fix")
REQUIRED_KEYS = ("id", "title", "topic", "deck", "kind", "entry", "signature", "hints",
                 "target_seconds")
TEXT_KEYS = ("title", "topic", "deck", "entry", "signature")
STRING_LIST_KEYS = ("banned", "banned_ops", "bans_from")
KNOWN_KEYS = frozenset((*REQUIRED_KEYS, "requires", "mutants", "timeout_s", *STRING_LIST_KEYS))
REQUIRED_FILES = ("prompt.md", "starter.py", "solution.py")
MUTANT_KEYS = ("id", "file", "misconception")


@dataclass(frozen=True)
class MutantToml:
    """One ``[[mutants]]`` table: a wrong solution and the misconception it stands for."""

    id: str
    file: str  # relative to the exercise folder; checked to exist
    misconception: str
    fix: str = ""  # optional: how to fix it
    diagnosed_as: str = ""  # optional: the diagnosis id a submission like it gets


@dataclass(frozen=True)
class ExerciseToml:
    """An ``exercise.toml`` whose every field has been checked for presence and type."""

    folder: Path
    id: str
    title: str
    topic: str
    deck: str
    kind: str  # one of EXERCISE_KINDS
    entry: str
    signature: str
    hints: tuple[str, ...]
    requires: tuple[str, ...]
    target_seconds: int
    timeout_s: float | None
    banned: tuple[str, ...]
    banned_ops: tuple[str, ...]
    bans_from: tuple[str, ...] | None  # None: the ban policy reads checks.py instead
    mutants: tuple[MutantToml, ...]
    table: dict[str, Any]  # the file as parsed, for keys this reader does not know

    def unknown_keys(self) -> dict[str, Any]:
        return {k: v for k, v in self.table.items() if k not in KNOWN_KEYS}


def is_exercise_folder(path: Path) -> bool:
    """A folder under ``exercises/`` that holds an exercise (``_drafts``, ``.git`` do not)."""
    return path.is_dir() and not path.name.startswith((".", "_"))


class _Lines:
    """Where a key of the toml text is, as a `Location` (line 1 when it cannot be found)."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def of(self, key: str) -> Location:
        match = re.search(rf"^\s*{re.escape(key)}\s*=", self.text, re.MULTILINE)
        line = self.text.count("\n", 0, match.start()) + 1 if match else 1
        return Location(self.path, line)


def read_exercise_toml(folder: Path, problems: Problems) -> ExerciseToml | None:
    """`folder`'s exercise.toml, checked; None (with each problem added) when it is not valid."""
    toml_path = folder / "exercise.toml"
    parsed = _parse(toml_path, problems)
    if parsed is None:
        return None
    table, lines = parsed
    missing = [key for key in REQUIRED_KEYS if key not in table]
    for key in missing:
        problems.add(Location(toml_path, 1), f"exercise is missing the key {key!r}")
    if missing:
        return None
    before = len(problems)
    _check_identity(folder, table, lines, problems)
    _check_values(table, lines, problems)
    mutants = _mutants(folder, table.get("mutants", []), lines.of("mutants"), problems)
    if len(problems) > before or mutants is None:
        return None
    return _build(folder, table, mutants)


def _parse(toml_path: Path, problems: Problems) -> tuple[dict[str, Any], _Lines] | None:
    text = read_text_file(toml_path, problems)
    if text is None:
        return None
    try:
        return tomllib.loads(text), _Lines(toml_path, text)
    except tomllib.TOMLDecodeError as exc:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(exc))) else 1
        problems.add(Location(toml_path, line), f"not valid TOML: {exc}")
        return None


def _check_identity(folder: Path, table: dict[str, Any], lines: _Lines,
                    problems: Problems) -> None:
    ex_id, kind = table["id"], table["kind"]
    if ex_id != folder.name:
        problems.add(lines.of("id"),
                     f"exercise id {ex_id!r} must equal its folder name {folder.name!r}")
    if not isinstance(ex_id, str) or not ID_PATTERN.match(ex_id):
        problems.add(lines.of("id"),
                     f"exercise id {ex_id!r} must be lowercase letters, digits and '-'")
    if kind not in EXERCISE_KINDS:
        problems.add(lines.of("kind"),
                     f"unknown exercise kind {kind!r} (one of {', '.join(EXERCISE_KINDS)})")


def _is_text_list(value: object, *, non_blank: bool = False) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, str) and (v.strip() or not non_blank) for v in value)


def _is_positive_number(value: object, *, whole: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        return False  # True is an int to Python, never a number of seconds here
    return value > 0


# (key, test of its value, the sentence when the test fails); an absent optional key passes
_VALUE_RULES: tuple[tuple[str, Callable[[object], bool], str], ...] = (
    *((key, lambda v: isinstance(v, str), f"{key} must be a text") for key in TEXT_KEYS),
    ("hints", lambda v: _is_text_list(v, non_blank=True) and bool(v),
     "hints must be a non-empty list of texts (nudge -> formula -> near-solution)"),
    ("target_seconds", lambda v: _is_positive_number(v, whole=True),
     "target_seconds must be a positive whole number"),
    ("requires", _is_text_list, "requires must be a list of exercise or deck ids"),
    ("timeout_s", lambda v: _is_positive_number(v, whole=False),
     "timeout_s must be a positive number of seconds"),
    *((key, _is_text_list, f"{key} must be a list of texts") for key in STRING_LIST_KEYS),
)


def _check_values(table: dict[str, Any], lines: _Lines, problems: Problems) -> None:
    for key, valid, sentence in _VALUE_RULES:
        if key in table and not valid(table[key]):
            problems.add(lines.of(key), sentence)


def _mutants(folder: Path, raw: object, where: Location,
             problems: Problems) -> tuple[MutantToml, ...] | None:
    if not isinstance(raw, list):
        problems.add(where, "mutants must be a list of [[mutants]] tables")
        return None
    mutants = [_mutant(folder, m, index, where, problems) for index, m in enumerate(raw)]
    return tuple(m for m in mutants if m is not None) if None not in mutants else None


def _mutant(folder: Path, raw: object, index: int, where: Location,
            problems: Problems) -> MutantToml | None:
    if not isinstance(raw, dict) or not all(k in raw for k in MUTANT_KEYS):
        problems.add(where, f"mutant #{index + 1} needs id, file and misconception")
        return None
    keys = (*MUTANT_KEYS, "fix", "diagnosed_as")
    wrong = [k for k in keys if not isinstance(raw.get(k, ""), str)]
    if wrong:
        problems.add(where, f"mutant #{index + 1}: {', '.join(wrong)} must be texts")
        return None
    if not (folder / raw["file"]).is_file():
        problems.add(where, f"mutant {raw['id']!r} names a file that does not exist: {raw['file']}")
        return None
    return MutantToml(raw["id"], raw["file"], raw["misconception"].strip(),
                      raw.get("fix", "").strip(), raw.get("diagnosed_as", ""))


def _build(folder: Path, table: dict[str, Any], mutants: tuple[MutantToml, ...]) -> ExerciseToml:
    timeout = table.get("timeout_s")
    bans_from = table.get("bans_from")
    return ExerciseToml(
        folder=folder, id=table["id"], title=table["title"], topic=table["topic"],
        deck=table["deck"], kind=table["kind"], entry=table["entry"],
        signature=table["signature"], hints=tuple(table["hints"]),
        requires=tuple(table.get("requires", [])), target_seconds=table["target_seconds"],
        timeout_s=float(timeout) if timeout is not None else None,
        banned=tuple(table.get("banned", [])), banned_ops=tuple(table.get("banned_ops", [])),
        bans_from=tuple(bans_from) if bans_from is not None else None,
        mutants=mutants, table=table)


def load_exercise_folder(folder: Path, problems: Problems) -> ExerciseSpec | None:
    """The exercise in `folder` for the app (toml, prompt, starter, solution), or None with
    every problem added to `problems`."""
    toml = read_exercise_toml(folder, problems)
    files = {name: read_text_file(folder / name, problems) for name in REQUIRED_FILES}
    prompt, starter, solution = (files[name] for name in REQUIRED_FILES)
    if toml is None or prompt is None or starter is None or solution is None:
        return None
    if not prompt.strip():
        problems.add(Location(folder / "prompt.md", 1), "the exercise prompt is empty")
        return None
    return ExerciseSpec(
        id=toml.id, title=toml.title, topic=toml.topic, deck=toml.deck, kind=toml.kind,
        entry=toml.entry, signature=toml.signature, prompt=prompt, starter=starter,
        solution=solution, hints=list(toml.hints), requires=list(toml.requires),
        target_seconds=toml.target_seconds, folder=folder, metadata=toml.table)


def read_text_file(path: Path, problems: Problems) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.add(Location(path, 1), "file is missing")
    except UnicodeDecodeError as exc:
        problems.add(Location(path, 1),
                     f"cannot read: not UTF-8 text ({exc.reason} at byte {exc.start})")
    except OSError as exc:
        problems.add(Location(path, 1), f"cannot read: {exc.strerror or exc}")
    return None
