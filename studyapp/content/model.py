"""What content files describe, independent of how it is stored."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Location:
    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class CardSpec:
    """One reviewable card. A note may make several (cloze numbers, a reversed card)."""

    content_id: str
    note_id: str
    kind: str  # basic | cloze | choice | exercise
    front: str
    back: str
    topic: str
    tags: list[str]
    location: Location
    extra: dict[str, Any] = field(default_factory=dict)

    def content_hash(self, deck_slug: str, position: int) -> str:
        payload = {
            "deck": deck_slug,
            "kind": self.kind,
            "note": self.note_id,
            "front": self.front,
            "back": self.back,
            "topic": self.topic,
            "tags": self.tags,
            "extra": self.extra,
            "position": position,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass
class DeckSpec:
    slug: str
    title: str
    description: str
    topic: str
    requires: list[str]
    order: int
    location: Location
    cards: list[CardSpec] = field(default_factory=list)
    adds_to: bool = False  # a file adding cards to the deck `slug` that another file defines


@dataclass
class ExerciseSpec:
    """An exercise folder. Its grading lives in studyapp.grading; here only what the
    app needs to show and schedule it."""

    id: str
    title: str
    topic: str
    deck: str
    kind: str  # implement | fix
    entry: str
    signature: str
    prompt: str
    starter: str
    solution: str
    hints: list[str]
    requires: list[str]
    target_seconds: int
    folder: Path
    metadata: dict[str, Any]

    def as_card(self) -> CardSpec:
        return CardSpec(
            content_id=self.id,
            note_id=self.id,
            kind="exercise",
            front=self.prompt,
            back=self.solution,
            topic=self.topic,
            tags=["exercise", self.kind],
            location=Location(self.folder / "exercise.toml", 1),
            extra={
                "title": self.title,
                "entry": self.entry,
                "signature": self.signature,
                "exercise_kind": self.kind,
                "starter": self.starter,
                "hints": self.hints,
                "requires": self.requires,
                "target_seconds": self.target_seconds,
                "folder": str(self.folder),
            },
        )


@dataclass
class ContentBundle:
    roots: list[Path]
    decks: list[DeckSpec]
    exercises: list[ExerciseSpec]

    def deck(self, slug: str) -> DeckSpec | None:
        return next((d for d in self.decks if d.slug == slug), None)

    @property
    def card_count(self) -> int:
        return sum(len(d.cards) for d in self.decks)
