"""Exercise folders as the grader sees them: discovery by id and `ExerciseMeta` (the
``exercise.toml`` fields plus the ban policy's effective lists).  No torch, no textual.

The toml is parsed and checked by `studyapp.content.exercises.read_exercise_toml`, the one
reader of that file (grading imports that pure content module; content never imports
grading, and nothing here reaches storage).

Exercises live at ``<root>/exercises/<id>/`` for each content root; the first root that has
an id wins, so a learner's own content folder can shadow or extend the shipped one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.content.decks import ID_PATTERN, Problems
from studyapp.content.exercises import is_exercise_folder, read_exercise_toml

from . import banpolicy

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
    extra: dict[str, object] = field(default_factory=dict, compare=False)
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

    def summary(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "topic": self.topic, "kind": self.kind,
                "deck": self.deck}


def default_roots() -> list[Path]:
    """The shipped content folder (``studyapp.paths.shipped_content_dir()``)."""
    # deferred: only needed when no roots are given
    from studyapp.paths import shipped_content_dir

    return [Path(shipped_content_dir())]


def _roots(roots: Sequence[Path | str] | None) -> list[Path]:
    return [Path(r) for r in roots] if roots else default_roots()


def exercise_dir(exercise_id: str, roots: Sequence[Path | str] | None = None) -> Path:
    if not ID_PATTERN.match(exercise_id or ""):
        raise UnknownExercise(f"unknown exercise {exercise_id!r}")
    for root in _roots(roots):
        d = root / "exercises" / exercise_id
        if (d / "exercise.toml").is_file():
            return d
    known = ", ".join(m.id for m in list_exercises(roots)) or "none"
    raise UnknownExercise(f"unknown exercise {exercise_id!r} (known: {known})")


def load_exercise(exercise_id: str, roots: Sequence[Path | str] | None = None) -> ExerciseMeta:
    """The exercise `exercise_id` from the first root that has it (`UnknownExercise` if none)."""
    return load_exercise_meta(exercise_dir(exercise_id, roots))


def _one_line(problems: Problems) -> str:
    more = len(problems) - 1
    return problems[0] + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")


def load_exercise_meta(folder: Path) -> ExerciseMeta:
    """The exercise in `folder` as the grader sees it; `GradingError` names the first problem
    (``file:line: sentence``, the content loader's wording: both read the toml through
    `studyapp.content.exercises.read_exercise_toml`)."""
    problems = Problems()
    toml = read_exercise_toml(folder, problems)
    if toml is None:
        raise GradingError(_one_line(problems))
    # the ban policy's references: declared (bans_from), else found in checks.py
    references = (toml.bans_from if toml.bans_from is not None
                  else banpolicy.references_in_checks(folder / "checks.py"))
    banned, banned_ops = banpolicy.apply(references, toml.banned, toml.banned_ops)
    return ExerciseMeta(
        id=toml.id, title=toml.title, topic=toml.topic, deck=toml.deck, kind=toml.kind,
        entry=toml.entry, signature=toml.signature, target_seconds=toml.target_seconds,
        requires=toml.requires, banned=banned, banned_ops=banned_ops, hints=toml.hints,
        mutants=tuple(MutantMeta(m.id, m.file, m.misconception, m.fix, m.diagnosed_as)
                      for m in toml.mutants),
        timeout_s=toml.timeout_s, path=folder, extra=toml.unknown_keys(),
        ban_references=references,
    )


def list_exercises(roots: Sequence[Path | str] | None = None) -> list[ExerciseMeta]:
    """Every exercise in the roots (first root wins for a repeated id), sorted by id."""
    seen: dict[str, ExerciseMeta] = {}
    for root in _roots(roots):
        base = root / "exercises"
        if not base.is_dir():
            continue
        for d in filter(is_exercise_folder, sorted(base.iterdir())):
            if d.name in seen or not (d / "exercise.toml").is_file():
                continue
            seen[d.name] = load_exercise_meta(d)
    return [seen[k] for k in sorted(seen)]
