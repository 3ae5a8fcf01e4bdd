"""Finding cards, one card's full story (review history and submissions), editing its text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session

from studyapp.content.decks import render_cloze
from studyapp.errors import UserError
from studyapp.scheduling.rating import rating_label
from studyapp.scheduling.service import QueueItem
from studyapp.storage.models import STATE_NAMES, STATE_NEW, Card, CardOverride, CardState, Deck, ReviewLog, Submission
from studyapp.vocabulary import LEECH_TAG

STATE_FILTERS = ("new", "learning", "review", "relearning", "due", "suspended", LEECH_TAG)
KIND_FILTERS = ("basic", "cloze", "choice", "exercise")
SEARCH_LIMIT = 1000


@dataclass(frozen=True)
class CardRow:
    id: int
    content_id: str
    deck_slug: str
    deck_title: str
    kind: str
    state: str
    due: datetime | None
    tags: str
    suspended: bool
    front: str

    @property
    def snippet(self) -> str:
        return one_line(self.front)


@dataclass(frozen=True)
class CardQuery:
    text: str = ""
    deck: str | None = None
    tag: str | None = None
    state: str | None = None
    kind: str | None = None


def one_line(text: str, width: int = 80) -> str:
    flat = " ".join(text.split()).lstrip("# ")
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def search_cards(
    session: Session, query: CardQuery, now: datetime, *, limit: int = SEARCH_LIMIT
) -> list[CardRow]:
    """Live cards matching every given filter, in deck then content order."""
    statement = (
        select(Card, Deck.slug, Deck.title, CardState.state, CardState.due)
        .join(Deck, Deck.id == Card.deck_id)
        .outerjoin(CardState, CardState.card_id == Card.id)
        .where(Card.retired.is_(False), Deck.retired.is_(False))
    )
    text = query.text.strip()
    if text:
        pattern = f"%{text}%"
        statement = statement.where(
            or_(Card.front.ilike(pattern), Card.back.ilike(pattern), Card.content_id.ilike(pattern))
        )
    if query.deck:  # its slug, or its title in any case
        statement = statement.where(
            or_(Deck.slug == query.deck, func.lower(Deck.title) == query.deck.lower())
        )
    if query.tag:
        statement = statement.where(
            (literal(" ") + Card.tags + literal(" ")).contains(f" {query.tag} ")
        )
    if query.kind:
        statement = statement.where(Card.kind == query.kind)
    if query.state:
        statement = statement.where(_state_clause(query.state, now))
    statement = statement.order_by(Deck.position, Deck.slug, Card.position, Card.id).limit(limit)
    rows = []
    for card, slug, title, state, due in session.execute(statement):
        rows.append(
            CardRow(
                id=card.id,
                content_id=card.content_id,
                deck_slug=slug,
                deck_title=title,
                kind=card.kind,
                state=STATE_NAMES.get(state if state is not None else STATE_NEW, "new"),
                due=due,
                tags=card.tags,
                suspended=card.suspended,
                front=card.front,
            )
        )
    return rows


def _state_clause(state: str, now: datetime):
    current = func.coalesce(CardState.state, STATE_NEW)
    if state == "suspended":
        return Card.suspended.is_(True)
    if state == LEECH_TAG:  # the filter is named for the tag
        return (literal(" ") + Card.tags + literal(" ")).contains(f" {LEECH_TAG} ")
    if state == "due":
        return and_(current != STATE_NEW, CardState.due <= now, Card.suspended.is_(False))
    names = {name: number for number, name in STATE_NAMES.items()}
    if state not in names:
        raise UserError(f"unknown state {state!r} (one of {', '.join(STATE_FILTERS)})")
    return current == names[state]


@dataclass(frozen=True)
class HistoryEntry:
    reviewed_at: datetime
    rating: int
    state: str
    due: datetime | None
    duration_ms: int
    source: str

    @property
    def rating_name(self) -> str:
        return rating_label(self.rating)


@dataclass(frozen=True)
class SubmissionEntry:
    created_at: datetime
    status: str
    device: str
    duration_ms: int
    code: str


@dataclass
class CardDetail:
    id: int
    content_id: str
    deck_slug: str
    deck_title: str
    kind: str
    front: str
    back: str
    extra: dict[str, Any]
    tags: list[str]
    suspended: bool
    state: str
    due: datetime | None
    stability: float | None
    difficulty: float | None
    reps: int
    lapses: int
    source_file: str
    source_line: int
    history: list[HistoryEntry] = field(default_factory=list)
    submissions: list[SubmissionEntry] = field(default_factory=list)
    # the learner's edit of a card they do not own the file of (see study/edits.py)
    edited: bool = False
    shipped_front: str = ""
    shipped_back: str = ""
    shipped_changed: bool = False  # the shipped text changed after the edit

    @property
    def location(self) -> str:
        if not self.source_file:
            return ""
        return f"{self.source_file}:{self.source_line}" if self.source_line else self.source_file


def card_detail(session: Session, card_id: int) -> CardDetail:
    card = session.get(Card, card_id)
    if card is None:
        raise UserError(f"no card with id {card_id}")
    state = card.state
    history = [
        HistoryEntry(
            log.reviewed_at,
            log.rating,
            STATE_NAMES.get(log.state, "?"),
            log.due,
            log.duration_ms,
            log.source,
        )
        for log in session.scalars(
            select(ReviewLog)
            .where(ReviewLog.card_id == card_id)
            .order_by(ReviewLog.reviewed_at.desc(), ReviewLog.id.desc())
        )
    ]
    submissions = [
        SubmissionEntry(s.created_at, s.status, s.device, s.duration_ms, s.code)
        for s in session.scalars(
            select(Submission)
            .where(Submission.card_id == card_id)
            .order_by(Submission.created_at.desc(), Submission.id.desc())
        )
    ]
    override = session.get(CardOverride, card_id)
    return CardDetail(
        edited=override is not None,
        shipped_front=override.shipped_front if override else "",
        shipped_back=override.shipped_back if override else "",
        shipped_changed=bool(override and override.shipped_changed),
        id=card.id,
        content_id=card.content_id,
        deck_slug=card.deck.slug,
        deck_title=card.deck.title,
        kind=card.kind,
        front=card.front,
        back=card.back,
        extra=dict(card.extra or {}),
        tags=card.tag_list,
        suspended=card.suspended,
        state=STATE_NAMES.get(state.state if state else STATE_NEW, "new"),
        due=state.due if state else None,
        stability=state.stability if state else None,
        difficulty=state.difficulty if state else None,
        reps=state.reps if state else 0,
        lapses=state.lapses if state else 0,
        source_file=card.source_file,
        source_line=card.source_line,
        history=history,
        submissions=submissions,
    )


@dataclass(frozen=True)
class EditableField:
    name: str
    label: str
    value: str


def editable_fields(session: Session, card_id: int) -> list[EditableField]:
    """The texts of a card a learner may correct in place (as its kind stores them)."""
    card = session.get(Card, card_id)
    if card is None:
        raise UserError(f"no card with id {card_id}")
    extra = card.extra or {}
    if card.kind == "cloze":
        return [
            EditableField("text", "Text (deletions read {{c1::answer}})", extra.get("text", "")),
            EditableField("extra", "Extra", extra.get("extra", "")),
        ]
    if card.kind == "choice":
        return [
            EditableField("front", "Question", card.front),
            EditableField("explain", "Explanation", extra.get("explain", "")),
        ]
    if card.kind == "exercise":
        return [EditableField("front", "Prompt (Markdown)", card.front)]
    return [
        EditableField("front", "Question", card.front),
        EditableField("back", "Answer", card.back),
    ]


def update_card_text(session: Session, card_id: int, values: dict[str, str], now: datetime) -> None:
    """Save edited texts in the card's row; derived texts (a cloze's front and back, a
    choice's back) follow. study.edits.save_card_edit calls this and then keeps the edit
    where sync cannot lose it (the learner's own file, or an override)."""
    card = session.get(Card, card_id)
    if card is None:
        raise UserError(f"no card with id {card_id}")
    extra = dict(card.extra or {})
    if card.kind == "cloze":
        text = values.get("text", extra.get("text", "")).strip()
        if not text:
            raise UserError("a cloze card needs its text")
        number = int(extra.get("cloze", 1))
        if f"c{number}::" not in text:
            raise UserError(f"the text must keep deletion c{number} ({{{{c{number}::...}}}})")
        extra_text = values.get("extra", extra.get("extra", "")).strip()
        extra.update(text=text, extra=extra_text)
        card.front = render_cloze(text, number, reveal=False)
        card.back = render_cloze(text, number, reveal=True) + (
            f"\n\n{extra_text}" if extra_text else ""
        )
    elif card.kind == "choice":
        question = values.get("front", card.front).strip()
        if not question:
            raise UserError("a choice card needs its question")
        explain = values.get("explain", extra.get("explain", "")).strip()
        extra["explain"] = explain
        right = "\n".join(f"- {o['text']}" for o in extra.get("options", []) if o.get("correct"))
        card.front = question
        card.back = right + (f"\n\n{explain}" if explain else "")
    else:
        front = values.get("front", card.front).strip()
        if not front:
            raise UserError("the card's front must not be empty")
        card.front = front
        if card.kind == "basic":
            back = values.get("back", card.back).strip()
            if not back:
                raise UserError("the card's answer must not be empty")
            card.back = back
    card.extra = extra
    card.updated_at = now


QUERY_HELP = ("text  deck:SLUG  tag:TAG  is:new|learning|review|relearning|due|suspended|leech"
              "  kind:basic|cloze|choice|exercise")


def parse_query(text: str) -> CardQuery:
    """Browse's search line, Anki style: free words plus `deck:`, `tag:`, `is:`, `kind:`."""
    words, filters = [], {}
    for token in text.split():
        key, sep, value = token.partition(":")
        key = key.lower()
        if sep and value and key in ("deck", "tag", "is", "state", "kind"):
            filters["state" if key == "is" else key] = value.lower() if key != "deck" else value
        else:
            words.append(token)
    state = filters.get("state")
    if state is not None and state not in STATE_FILTERS:
        raise UserError(f"unknown state {state!r} (is: takes {', '.join(STATE_FILTERS)})")
    kind = filters.get("kind")
    if kind is not None and kind not in KIND_FILTERS:
        raise UserError(f"unknown kind {kind!r} (kind: takes {', '.join(KIND_FILTERS)})")
    return CardQuery(
        text=" ".join(words),
        deck=filters.get("deck"),
        tag=filters.get("tag"),
        state=state,
        kind=kind,
    )


def queue_item(session: Session, card_id: int):
    """A card as the scheduler's QueueItem, for showing it again (after undo or an edit)
    whether or not it is in today's queue."""
    row = session.execute(
        select(Card, Deck.slug, CardState).join(Deck, Deck.id == Card.deck_id)
        .outerjoin(CardState, CardState.card_id == Card.id).where(Card.id == card_id)
    ).first()
    if row is None:
        raise UserError(f"no card with id {card_id}")
    card, slug, state = row
    return QueueItem.build(
        card_id=card.id, content_id=card.content_id, kind=card.kind, front=card.front,
        back=card.back, extra=card.extra, deck=slug, note_id=card.note_id,
        tags=tuple(card.tag_list),
        state=STATE_NEW if state is None else state.state,
        due=state.due if state is not None else None,
        reps=state.reps if state is not None else 0,
        lapses=state.lapses if state is not None else 0,
    )
