"""App-wide preferences kept in the settings table (per-deck scheduling lives in presets)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from studyapp.scheduling.days import DAY_START_HOUR_KEY, DEFAULT_DAY_START_HOUR, read_day_start_hour
from studyapp.storage.settings import get_setting, set_setting

DEVICE_KEY = "grading.device"
THEME_KEY = "ui.theme"

DEVICES = ("cpu", "cuda", "auto")
DEFAULT_THEME = "textual-dark"


@dataclass(frozen=True)
class Preferences:
    day_start_hour: int = DEFAULT_DAY_START_HOUR
    grading_device: str = "cpu"
    theme: str = DEFAULT_THEME

    def __post_init__(self) -> None:
        if not isinstance(self.day_start_hour, int) or not 0 <= self.day_start_hour <= 23:
            raise ValueError(
                f"the day start hour must be a whole hour from 0 to 23, got {self.day_start_hour!r}"
            )
        if self.grading_device not in DEVICES:
            raise ValueError(
                f"the grading device must be one of {', '.join(DEVICES)}, "
                f"got {self.grading_device!r}"
            )
        if not self.theme:
            raise ValueError("the theme must have a name")

    def as_dict(self) -> dict:
        return asdict(self)


def load_preferences(session: Session) -> Preferences:
    """The saved preferences; a value that no longer validates falls back to its default."""
    defaults = Preferences()
    values: dict[str, Any] = {  # stored JSON: each value is checked by Preferences() below
        "day_start_hour": read_day_start_hour(session),
        "grading_device": get_setting(session, DEVICE_KEY, defaults.grading_device),
        "theme": get_setting(session, THEME_KEY, defaults.theme),
    }
    chosen = {}
    for name, value in values.items():
        try:
            Preferences(**{name: value})
        except (TypeError, ValueError):
            continue
        chosen[name] = value
    return Preferences(**chosen)


def save_preferences(session: Session, preferences: Preferences) -> None:
    set_setting(session, DAY_START_HOUR_KEY, preferences.day_start_hour)
    set_setting(session, DEVICE_KEY, preferences.grading_device)
    set_setting(session, THEME_KEY, preferences.theme)
