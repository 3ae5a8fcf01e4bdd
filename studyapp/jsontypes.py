"""JSON values as types: the one definition for every layer that reads or writes JSON
(the grader's wire frames, settings values, JSON columns, ``as_dict`` forms).

A neutral top-level module, so that storage, scheduling and grading share it without
importing one another.  It imports nothing but ``typing`` and ``collections.abc``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

# A JSON document: what ``json.dumps`` takes and (as lists and dicts) what ``json.loads``
# makes.  Containers are the read-only ``Sequence``/``Mapping`` so that a ``list[int]`` or a
# ``dict[str, bool]`` is one too.  A value read from a document is narrowed with
# ``isinstance`` where it is used, so a forged or corrupt value fails as a wrong type there
# and not deeper.
JsonValue: TypeAlias = (
    None | bool | int | float | str | Sequence["JsonValue"] | Mapping[str, "JsonValue"]
)
JsonObject: TypeAlias = dict[str, JsonValue]

__all__ = ["JsonObject", "JsonValue"]
