"""The database schema as typed SQLAlchemy 2 models.

The schema itself is created only by the Alembic migrations in db/; a test checks
that these models and the migrations agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from studyapp.storage.types import UTCDateTime

# the card kinds and the leech tag: studyapp/vocabulary.py (content and grading read them too)

# FSRS states. py-fsrs has no "new" state (a fresh fsrs.Card is Learning, step 0);
# we keep NEW for cards never reviewed so queues can count them apart.
STATE_NEW = 0
STATE_LEARNING = 1
STATE_REVIEW = 2
STATE_RELEARNING = 3
STATE_NAMES = {0: "new", 1: "learning", 2: "review", 3: "relearning"}


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Deck(Base):
    __tablename__ = "decks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str] = mapped_column(String(100), default="")
    requires: Mapped[list[Any]] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    source_path: Mapped[str] = mapped_column(Text, default="")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # the deck this one sits under (Anki's "Parent::Child"); studying a deck studies its subdecks
    # (a plain column: decks are retired, never deleted, so the parent row stays)
    parent_id: Mapped[int | None] = mapped_column(Integer, index=True)

    cards: Mapped[list[Card]] = relationship(back_populates="deck")


class Card(Base):
    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="RESTRICT"))
    # Stable id from the content files; review history hangs on it across edits.
    content_id: Mapped[str] = mapped_column(String(200), unique=True)
    # Cards made from one note (cloze numbers, a reversed card) share a note id: siblings.
    note_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    topic: Mapped[str] = mapped_column(String(100), default="")
    front: Mapped[str] = mapped_column(Text)
    back: Mapped[str] = mapped_column(Text, default="")
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tags: Mapped[str] = mapped_column(Text, default="")  # space-separated
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    source_file: Mapped[str] = mapped_column(Text, default="")
    source_line: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    deck: Mapped[Deck] = relationship(back_populates="cards")
    state: Mapped[CardState] = relationship(
        back_populates="card", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        Index("ix_cards_deck_active", "deck_id", "suspended", "retired", "position"),
        # PostgreSQL only (migration 0007): the queue joins due states to their cards through
        # this index alone (index-only scans) instead of reading the wide card rows; SQLite's
        # rowid lookups already cost that little
        Index("ix_cards_queue_cover", "id", postgresql_include=["deck_id", "note_id", "suspended", "retired"])
        .ddl_if(dialect="postgresql"),
    )

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split()


class CardState(Base):
    """A card's FSRS scheduling state; one row per card."""

    __tablename__ = "card_states"

    card_id: Mapped[int] = mapped_column(
        ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[int] = mapped_column(Integer, default=STATE_NEW)
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime | None]
    last_review: Mapped[datetime | None]
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    # Copies of the card's columns that the queue reads, kept by the database itself (triggers
    # of migration 0008: set when the state is inserted, changed with the card); nothing in
    # Python writes them. The queue picks due and new states from this table alone
    # (ix_card_states_queue, ix_card_states_new_deck) instead of probing cards for each.
    deck_id: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int | None] = mapped_column(Integer)
    note_id: Mapped[str | None] = mapped_column(String(200))
    suspended: Mapped[bool | None] = mapped_column(Boolean)
    retired: Mapped[bool | None] = mapped_column(Boolean)

    card: Mapped[Card] = relationship(back_populates="state")

    __table_args__ = (
        Index("ix_card_states_queue", "state", "due"),
        Index("ix_card_states_new_deck", "deck_id", "position", "card_id", sqlite_where=text("state = 0"),
              postgresql_where=text("state = 0")),
    )


class ReviewLog(Base):
    """Append-only review history. Holds the state before the review so it can be undone."""

    __tablename__ = "review_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)
    reviewed_at: Mapped[datetime]
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(10), default="manual")  # manual | grader
    # The state before the review, exactly, for undo and for stats.
    prev_state: Mapped[int] = mapped_column(Integer)
    prev_step: Mapped[int | None] = mapped_column(Integer)
    prev_stability: Mapped[float | None] = mapped_column(Float)
    prev_difficulty: Mapped[float | None] = mapped_column(Float)
    prev_due: Mapped[datetime | None]
    prev_last_review: Mapped[datetime | None]
    prev_reps: Mapped[int] = mapped_column(Integer, default=0)
    prev_lapses: Mapped[int] = mapped_column(Integer, default=0)
    # The state after, and what FSRS predicted at review time (for calibration stats).
    state: Mapped[int] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime | None]
    retrievability: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        Index("ix_review_logs_reviewed_at", "reviewed_at"),
        Index("ix_review_logs_card", "card_id", "reviewed_at"),
        # calibration stats scan every prediction with its outcome: a covering index
        Index("ix_review_logs_calibration", "retrievability", "rating"),
    )


class Submission(Base):
    """Every graded attempt at an exercise."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id", ondelete="SET NULL"))
    exercise_id: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    verdict: Mapped[dict[str, Any]] = mapped_column(default=dict)
    device: Mapped[str] = mapped_column(String(10), default="cpu")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_submissions_exercise", "exercise_id", "created_at"),)


class Draft(Base):
    """The editor's latest text for an exercise, saved as the learner types (one per exercise)."""

    __tablename__ = "drafts"

    exercise_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    code: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class WriteRevision(Base):
    """One row counting committed write transactions. On PostgreSQL every transaction
    that wrote bumps it as it commits (storage/db.py), so a reader can tell cheaply
    whether anything changed since it last looked (the queue cache). SQLite has
    data_version for that and leaves the row alone."""

    __tablename__ = "write_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class CardOverride(Base):
    """The learner's own version of a card whose file they do not own (shipped content):
    sync keeps it over the file's text. The shipped text is kept beside it, and when it
    changes under the override (base_hash no longer the file's) sync says so."""

    __tablename__ = "card_overrides"

    card_id: Mapped[int] = mapped_column(
        ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True
    )
    front: Mapped[str] = mapped_column(Text)
    back: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    base_hash: Mapped[str] = mapped_column(
        String(64)
    )  # the file's content hash the edit was made on
    shipped_front: Mapped[str] = mapped_column(Text)
    shipped_back: Mapped[str] = mapped_column(Text)
    shipped_extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    shipped_changed_at: Mapped[datetime | None]  # when sync saw the file change under the edit
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def shipped_changed(self) -> bool:
        return self.shipped_changed_at is not None
