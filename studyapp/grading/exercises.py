"""Exercise folders: discovery and metadata (``exercise.toml``).  No torch, no textual.

Exercises live at ``<root>/exercises/<id>/`` for each content root; the first root that has
an id wins, so a learner's own content folder can shadow or extend the shipped one.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import banpolicy

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
KINDS = ("implement", "fix")
DECKS = ("initialization", "minibatch", "batchnorm", "optimizers")


class GradingError(Exception):
    """A usage problem (unknown exercise, broken exercise folder).  One line."""


class UnknownExercise(GradingError):
    pass


@dataclass(frozen=True)
class MutantMeta:
    id: str
    file: str
    misconception: str
    fix: str = ""  # optional: how to fix it (else the misconception's sentences after the first)
    # the diagnosis id a submission like this one gets: its own id, or "non-finite" for a
    # mutant whose only evidence is inf/NaN (agreement at inf/NaN never names a mutant)
    diagnosed_as: str = ""

    def expected_diagnosis(self) -> str:
        return self.diagnosed_as or self.id


@dataclass(frozen=True)
class ExerciseMeta:
    id: str
    title: str
    topic: str
    deck: str
    kind: str
    entry: str
    signature: str
    target_seconds: int
    requires: tuple[str, ...]
    banned: tuple[str, ...]  # effective: the ban policy's list for ban_references + extras
    banned_ops: tuple[str, ...]  # effective, ATen operator names (every overload is banned)
    hints: tuple[str, ...]
    mutants: tuple[MutantMeta, ...]
    timeout_s: float | None
    path: Path
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    # the references the ban policy derived bans from (found in checks.py + bans_from)
    ban_references: tuple[str, ...] = ()

    @property
    def prompt_path(self) -> Path:
        return self.path / "prompt.md"

    @property
    def starter_path(self) -> Path:
        return self.path / "starter.py"

    @property
    def solution_path(self) -> Path:
        return self.path / "solution.py"

    @property
    def checks_path(self) -> Path:
        return self.path / "checks.py"

    def prompt(self) -> str:
        return self.prompt_path.read_text(encoding="utf-8")

    def starter(self) -> str:
        return self.starter_path.read_text(encoding="utf-8")

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "topic": self.topic, "kind": self.kind,
                "deck": self.deck}


def default_roots() -> list[Path]:
    """The shipped content folder (``studyapp.paths.shipped_content_dir()``)."""
    try:
        from studyapp.paths import shipped_content_dir
    except ImportError:  # pragma: no cover - the lead's module not there yet
        pkg = Path(__file__).resolve().parents[1]
        for cand in (pkg / "_data" / "content", pkg.parent / "content"):
            if (cand / "exercises").is_dir():
                return [cand]
        return [pkg.parent / "content"]
    return [Path(shipped_content_dir())]


def _roots(roots: Sequence[Path | str] | None) -> list[Path]:
    return [Path(r) for r in roots] if roots else default_roots()


def exercise_dir(exercise_id: str, roots: Sequence[Path | str] | None = None) -> Path:
    if not ID_RE.match(exercise_id or ""):
        raise UnknownExercise(f"unknown exercise {exercise_id!r}")
    for root in _roots(roots):
        d = root / "exercises" / exercise_id
        if (d / "exercise.toml").is_file():
            return d
    known = ", ".join(m.id for m in list_exercises(roots)) or "none"
    raise UnknownExercise(f"unknown exercise {exercise_id!r} (known: {known})")


def load_exercise(exercise_id: str, roots: Sequence[Path | str] | None = None) -> ExerciseMeta:
    return load_exercise_dir(exercise_dir(exercise_id, roots))


def _req(data: dict, key: str, typ: type, where: str) -> Any:
    if key not in data:
        raise GradingError(f"{where}: missing key {key!r}")
    v = data[key]
    if not isinstance(v, typ):
        raise GradingError(f"{where}: {key!r} must be a {typ.__name__}")
    return v


def _str_list(data: dict, key: str, where: str) -> tuple[str, ...]:
    v = data.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise GradingError(f"{where}: {key!r} must be a list of strings")
    return tuple(v)


def load_exercise_dir(d: Path) -> ExerciseMeta:
    toml_path = d / "exercise.toml"
    where = str(toml_path)
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise GradingError(f"{where}:{m.group(1) if m else 1}: {exc}") from None
    except OSError as exc:
        raise GradingError(f"{where}: {exc.strerror}") from None
    ex_id = _req(data, "id", str, where)
    if ex_id != d.name:
        raise GradingError(f"{where}: id {ex_id!r} does not match the folder name {d.name!r}")
    kind = _req(data, "kind", str, where)
    if kind not in KINDS:
        raise GradingError(f"{where}: kind must be one of {', '.join(KINDS)}")
    mutants = []
    for i, m in enumerate(data.get("mutants", [])):
        mw = f"{where}: mutants[{i}]"
        fix = m.get("fix", "")
        if not isinstance(fix, str):
            raise GradingError(f"{mw}: 'fix' must be a str")
        diagnosed_as = m.get("diagnosed_as", "")
        if not isinstance(diagnosed_as, str):
            raise GradingError(f"{mw}: 'diagnosed_as' must be a str")
        mutants.append(MutantMeta(_req(m, "id", str, mw), _req(m, "file", str, mw),
                                  _req(m, "misconception", str, mw).strip(), fix.strip(),
                                  diagnosed_as))
    timeout = data.get("timeout_s")
    known = {"id", "title", "topic", "deck", "kind", "entry", "signature", "target_seconds",
             "requires", "banned", "banned_ops", "hints", "mutants", "timeout_s", "bans_from"}
    # the ban policy's references: declared (bans_from), else found in checks.py
    references = (_str_list(data, "bans_from", where) if "bans_from" in data
                  else banpolicy.references_in_checks(d / "checks.py"))
    banned, banned_ops = banpolicy.apply(references, _str_list(data, "banned", where),
                                         _str_list(data, "banned_ops", where))
    return ExerciseMeta(
        id=ex_id,
        title=_req(data, "title", str, where),
        topic=_req(data, "topic", str, where),
        deck=_req(data, "deck", str, where),
        kind=kind,
        entry=_req(data, "entry", str, where),
        signature=_req(data, "signature", str, where),
        target_seconds=int(_req(data, "target_seconds", int, where)),
        requires=_str_list(data, "requires", where),
        banned=banned,
        banned_ops=banned_ops,
        hints=_str_list(data, "hints", where),
        mutants=tuple(mutants),
        timeout_s=float(timeout) if timeout is not None else None,
        path=d,
        extra={k: v for k, v in data.items() if k not in known},
        ban_references=references,
    )


def list_exercises(roots: Sequence[Path | str] | None = None) -> list[ExerciseMeta]:
    """Every exercise in the roots (first root wins for a repeated id), sorted by id."""
    seen: dict[str, ExerciseMeta] = {}
    for root in _roots(roots):
        base = root / "exercises"
        if not base.is_dir():
            continue
        for d in sorted(base.iterdir()):
            if d.name in seen or not (d / "exercise.toml").is_file():
                continue
            seen[d.name] = load_exercise_dir(d)
    return [seen[k] for k in sorted(seen)]
