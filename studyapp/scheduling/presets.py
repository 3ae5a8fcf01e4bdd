"""Per-deck scheduling presets and fitted FSRS parameters, kept in the settings table.

Keys:
- ``preset:<deck-slug>``  the deck's Preset as JSON (absent: the defaults below)
- ``fsrs:params:<name>``  parameters fitted for the preset called <name>, with the
  metrics of the fit; decks whose presets share a name share these parameters (and are
  optimized together), as decks sharing an options preset do in Anki.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import timedelta
from typing import Any, cast

import fsrs
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.errors import UserError
from studyapp.jsontypes import JsonObject, JsonValue
from studyapp.storage.models import Setting
from studyapp.storage.settings import get_setting, set_setting

PRESET_KEY_PREFIX = "preset:"
PARAMS_KEY_PREFIX = "fsrs:params:"
DEFAULT_PRESET_NAME = "default"
DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs.scheduler.DEFAULT_PARAMETERS)

EXERCISE_STEP_FIELDS = ("exercise_learning_steps", "exercise_relearning_steps")
_STEP = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"s": 1, "": 60, "m": 60, "h": 3600, "d": 86400}


def parse_step(value: object) -> timedelta:
    """A learning step: seconds as a number, or text like "1m", "10m", "1h", "1d"
    (bare = minutes)."""
    if isinstance(value, timedelta):
        step = value
    elif isinstance(value, bool):
        raise ValueError(f"not a learning step: {value!r}")
    elif isinstance(value, int | float):
        step = timedelta(seconds=value)
    elif isinstance(value, str) and (match := _STEP.match(value)):
        step = timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    else:
        raise ValueError(f"not a learning step: {value!r} (use e.g. 1m, 10m, 1h, 1d)")
    if step <= timedelta(0):
        raise ValueError(f"a learning step must be positive, got {value!r}")
    return step


def format_step(step: timedelta) -> str:
    seconds = int(step.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True)
class Preset:
    """How a deck is scheduled. Defaults follow Anki's (FSRS on, fuzz on)."""

    desired_retention: float = 0.9
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    # Exercises take minutes of work and are rated from a whole attempt, so they are
    # never shown twice in one session: their steps are in days (after a failure, the
    # next day), while the deck's cards keep the minute steps above.
    exercise_learning_steps: tuple[timedelta, ...] = (timedelta(days=1),)
    exercise_relearning_steps: tuple[timedelta, ...] = (timedelta(days=1),)
    maximum_interval: int = 36500
    new_per_day: int = 20
    reviews_per_day: int = 200
    enable_fuzzing: bool = True
    leech_threshold: int = 8
    leech_suspend: bool = False
    name: str = DEFAULT_PRESET_NAME  # decks sharing a name share fitted parameters
    # keys this version does not know, kept so that saving does not drop them
    extra: JsonObject = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "learning_steps", tuple(parse_step(s) for s in self.learning_steps)
        )
        object.__setattr__(
            self, "relearning_steps", tuple(parse_step(s) for s in self.relearning_steps)
        )
        for name in EXERCISE_STEP_FIELDS:
            object.__setattr__(self, name, tuple(parse_step(s) for s in getattr(self, name)))
        problems = []
        for name in EXERCISE_STEP_FIELDS:
            if any(step < timedelta(days=1) for step in getattr(self, name)):
                problems.append(
                    f"{name} must be whole days or longer (e.g. 1d 3d): an exercise never "
                    "comes back in the same session"
                )
        if not 0.7 <= self.desired_retention <= 0.99:
            problems.append(
                f"desired_retention must be between 0.70 and 0.99, got {self.desired_retention}"
            )
        if self.maximum_interval < 1:
            problems.append(f"maximum_interval must be at least 1 day, got {self.maximum_interval}")
        if self.new_per_day < 0 or self.reviews_per_day < 0:
            problems.append("new_per_day and reviews_per_day must not be negative")
        if self.leech_threshold < 1:
            problems.append(f"leech_threshold must be at least 1, got {self.leech_threshold}")
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", self.name):
            problems.append(f"preset name {self.name!r} must be letters, digits, '-', '_' or '.'")
        if problems:
            raise ValueError("; ".join(problems))

    def to_dict(self) -> JsonObject:
        data: JsonObject = asdict(self)
        data["learning_steps"] = [format_step(s) for s in self.learning_steps]
        data["relearning_steps"] = [format_step(s) for s in self.relearning_steps]
        for name in EXERCISE_STEP_FIELDS:
            data[name] = [format_step(s) for s in getattr(self, name)]
        if not self.extra:
            data.pop("extra")
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, JsonValue]) -> Preset:
        """A preset from its saved form (`to_dict`); TypeError or ValueError when a value
        does not fit its field."""
        known = {f.name for f in fields(cls)} - {"extra"}
        values: dict[str, object] = {k: v for k, v in data.items() if k in known}
        unknown = {k: v for k, v in data.items() if k not in known and k != "extra"}
        for key in ("learning_steps", "relearning_steps", *EXERCISE_STEP_FIELDS):
            if key in values:
                raw = values[key]
                values[key] = tuple(raw.split() if isinstance(raw, str) else _items(raw))
        saved_extra = data.get("extra") or {}
        if not isinstance(saved_extra, Mapping):
            raise TypeError(f"extra must be a table, got {saved_extra!r}")
        return cls._checked({**values, "extra": {**saved_extra, **unknown}})

    def with_changes(self, **changes: object) -> Preset:
        """This preset with some fields changed (the settings form's values: steps as
        text or timedeltas, numbers); TypeError for a name that is not a field."""
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        return self._checked({**current, **changes})

    @classmethod
    def _checked(cls, values: Mapping[str, object]) -> Preset:
        # The one place values of unchecked types reach the fields: __post_init__ parses
        # the steps and checks every range, so a wrong value fails there (TypeError or
        # ValueError), as it did when these values were typed Any.
        return cls(**cast("dict[str, Any]", values))

    def scheduler(
        self, parameters: Sequence[float] | None = None, *, exercise: bool = False
    ) -> fsrs.Scheduler:
        """A py-fsrs scheduler for this preset (for its exercises: with the exercise steps).
        Fuzz is applied by studyapp (deterministic per card and review, so a preview shows
        exactly what the review will give), never by py-fsrs."""
        return fsrs.Scheduler(
            parameters=tuple(parameters) if parameters else DEFAULT_PARAMETERS,
            desired_retention=self.desired_retention,
            learning_steps=self.exercise_learning_steps if exercise else self.learning_steps,
            relearning_steps=self.exercise_relearning_steps if exercise else self.relearning_steps,
            maximum_interval=self.maximum_interval,
            enable_fuzzing=False,
        )


def preset_key(deck_slug: str) -> str:
    return f"{PRESET_KEY_PREFIX}{deck_slug}"


def params_key(preset_name: str) -> str:
    return f"{PARAMS_KEY_PREFIX}{preset_name}"


def _items(value: object) -> Iterable[object]:
    if not isinstance(value, Iterable):
        raise TypeError(f"not a list of steps: {value!r}")
    return value


def _decode_preset(raw: JsonValue, where: str) -> Preset:
    if raw is None:
        return Preset()
    try:
        if not isinstance(raw, Mapping):
            raise TypeError(f"expected a table, got {raw!r}")
        return Preset.from_dict(raw)
    except (TypeError, ValueError) as exc:
        raise UserError(f"setting {where!r} is not a valid preset: {exc}") from exc


def load_preset(session: Session, deck_slug: str) -> Preset:
    """The deck's preset; the defaults when none is saved."""
    return _decode_preset(get_setting(session, preset_key(deck_slug)), preset_key(deck_slug))


def save_preset(session: Session, deck_slug: str, preset: Preset) -> None:
    set_setting(session, preset_key(deck_slug), preset.to_dict())


def load_presets(session: Session, deck_slugs: Iterable[str] | None = None) -> dict[str, Preset]:
    """Every saved deck preset in one query, by deck slug (decks without one are left out
    unless named in `deck_slugs`, which get the defaults)."""
    rows = session.execute(
        select(Setting.key, Setting.value).where(Setting.key.startswith(PRESET_KEY_PREFIX))
    )
    presets = {key[len(PRESET_KEY_PREFIX):]: _decode_preset(value, key) for key, value in rows}
    for slug in deck_slugs or ():
        presets.setdefault(slug, Preset())
    return presets


@dataclass(frozen=True)
class FittedParameters:
    parameters: tuple[float, ...]
    fitted_at: str = ""
    reviews: int = 0
    metrics: JsonObject = field(default_factory=dict, compare=False, hash=False)


def clamp_parameters(parameters: Sequence[float]) -> tuple[float, ...]:
    """Parameters inside py-fsrs's bounds (fsrs-rs clamps a little differently at the edges)."""
    lower = fsrs.scheduler.LOWER_BOUNDS_PARAMETERS
    upper = fsrs.scheduler.UPPER_BOUNDS_PARAMETERS
    if len(parameters) != len(lower):
        raise ValueError(f"expected {len(lower)} FSRS parameters, got {len(parameters)}")
    return tuple(
        min(max(float(p), lo), hi) for p, lo, hi in zip(parameters, lower, upper, strict=True)
    )


def load_parameters(session: Session, preset_name: str) -> FittedParameters | None:
    raw = get_setting(session, params_key(preset_name))
    if not raw:
        return None
    try:
        if isinstance(raw, list):
            return FittedParameters(clamp_parameters(_numbers(raw)))
        if not isinstance(raw, Mapping):
            raise TypeError(f"expected a table or a list, got {raw!r}")
        fitted_at, reviews, metrics = (raw.get("fitted_at", ""), raw.get("reviews", 0),
                                       raw.get("metrics", {}))
        if (not isinstance(fitted_at, str) or not isinstance(reviews, int | float | str)
                or not isinstance(metrics, Mapping)):
            raise TypeError("fitted_at must be text, reviews a number and metrics a table")
        return FittedParameters(
            parameters=clamp_parameters(_numbers(raw["parameters"])),
            fitted_at=fitted_at,
            reviews=int(reviews),
            metrics=dict(metrics),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(
            f"setting {params_key(preset_name)!r} holds no valid FSRS parameters: {exc}"
        ) from exc


def _numbers(value: JsonValue) -> list[float]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"not a list of numbers: {value!r}")
    numbers = []
    for number in value:
        if not isinstance(number, int | float | str):
            raise TypeError(f"not a number: {number!r}")
        numbers.append(float(number))
    return numbers


def load_all_parameters(session: Session) -> dict[str, tuple[float, ...]]:
    rows = session.execute(select(Setting.key).where(Setting.key.startswith(PARAMS_KEY_PREFIX)))
    found = {}
    for (key,) in rows:
        name = key[len(PARAMS_KEY_PREFIX):]
        fitted = load_parameters(session, name)
        if fitted is not None:
            found[name] = fitted.parameters
    return found


def save_parameters(session: Session, preset_name: str, fitted: FittedParameters) -> None:
    set_setting(session, params_key(preset_name), {
        "parameters": list(clamp_parameters(fitted.parameters)),
        "fitted_at": fitted.fitted_at,
        "reviews": fitted.reviews,
        "metrics": fitted.metrics,
    })
