"""Where things live: the shipped content, the migrations, the learner's database."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "studyapp"
_PACKAGE_DIR = Path(__file__).resolve().parent
# An installed wheel carries content/ and db/ inside the package (see pyproject's
# force-include); a checkout (or an editable install) has them beside the package.
_DATA_DIR = _PACKAGE_DIR / "_data"
_CHECKOUT_DIR = _PACKAGE_DIR.parent


def _shipped(name: str) -> Path:
    for candidate in (_DATA_DIR / name, _CHECKOUT_DIR / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"studyapp's {name}/ folder is missing from the installation")


def shipped_content_dir() -> Path:
    return _shipped("content")


def migrations_dir() -> Path:
    return _shipped("db")


def user_data_dir() -> Path:
    import platformdirs  # deferred: the TUI opens its database after the first frame

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_url() -> str:
    """`STUDYAPP_DB` if set, else a SQLite file in the platform's user data directory."""
    from_env = os.environ.get("STUDYAPP_DB")
    if from_env:
        return from_env
    return f"sqlite:///{user_data_dir() / 'studyapp.db'}"
