"""Typed access to the settings table (JSON values by key)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from studyapp.jsontypes import JsonObject, JsonValue
from studyapp.storage.models import Setting


def get_setting(session: Session, key: str, default: JsonValue = None) -> JsonValue:
    """The value stored under `key`, `default` when there is none.  A stored value is
    whatever was saved (or edited by hand): narrow it with ``isinstance`` where it is used."""
    row = session.get(Setting, key)
    return default if row is None else row.value


def set_setting(session: Session, key: str, value: JsonValue) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def get_setting_object(session: Session, key: str) -> JsonObject:
    """The JSON object stored under `key`; ``{}`` when there is none or the value is not an
    object (a hand-edited or corrupt value counts as unset)."""
    value = get_setting(session, key)
    return dict(value) if isinstance(value, Mapping) else {}


def get_setting_strings(session: Session, key: str) -> list[str]:
    """The list stored under `key`, as text; ``[]`` when there is none.  TypeError when the
    value is not a list (as iterating it would have been)."""
    value = get_setting(session, key)
    if not value:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"setting {key!r} is not a list: {value!r}")
    return [str(item) for item in value]
