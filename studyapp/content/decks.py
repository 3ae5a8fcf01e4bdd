"""Parse one deck file (Markdown with front matter; format in content/README.md).

The parser never stops at the first problem: it records every one as
`file:line: sentence` so the learner can fix a file in one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.content.model import CardSpec, DeckSpec, Location
from studyapp.vocabulary import DECK_FILE_KINDS

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DECK_KEYS = {"id", "title", "description", "topic", "requires", "order", "adds_to"}
CARD_KEYS = {"kind", "tags", "topic", "reverse", "answer"}
ANSWER_MODES = ("shown", "typed")
# an option ending in this marker keeps its place when the options are shuffled
PIN_MARKER = "{pinned}"
CARD_KINDS = DECK_FILE_KINDS
FIELDS_BY_KIND = {
    "basic": {"Q", "A"},
    "cloze": {"Text", "Extra"},
    "choice": {"Q", "Explain"},
}
ALL_FIELDS = {"Q", "A", "Text", "Extra", "Explain"}

_HEADING = re.compile(r"^##\s+(\S.*?)\s*$")
_KEY_LINE = re.compile(r"^([A-Za-z]+):(?:\s+(.*))?$")
_OPTION = re.compile(r"^\s*-\s+\[( |x|X)\]\s+(.*\S)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
CLOZE = re.compile(r"\{\{c(\d+)::(.+?)(?:::([^{}]+?))?\}\}", re.DOTALL)


class Problems(list[str]):
    def add(self, where: Location, sentence: str) -> None:
        self.append(f"{where}: {sentence}")


@dataclass
class _RawCard:
    card_id: str
    line: int
    meta: dict[str, tuple[str, int]] = field(default_factory=dict)
    fields: dict[str, list[str]] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)
    options: list[tuple[bool, str, int]] = field(default_factory=list)


def parse_deck(path: Path, text: str, problems: Problems) -> DeckSpec | None:
    lines = text.splitlines()
    front, body_start = _parse_front_matter(path, lines, problems)
    if front is None:
        return None
    deck = _deck_from_front_matter(path, front, problems)
    for raw in _split_cards(path, lines, body_start, problems):
        deck.cards.extend(_build_cards(path, raw, deck, problems))
    return deck


def _parse_front_matter(path: Path, lines: list[str],
                        problems: Problems) -> tuple[dict[str, tuple[str, int]] | None, int]:
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        problems.add(
            Location(path, 1), "the file is empty; a deck starts with a '---' front-matter block"
        )
        return None, 0
    if lines[first].strip() != "---":
        problems.add(
            Location(path, first + 1), "a deck file must start with a '---' front-matter block"
        )
        return None, 0
    front: dict[str, tuple[str, int]] = {}
    for i in range(first + 1, len(lines)):
        line = lines[i]
        if line.strip() == "---":
            return front, i + 1
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        where = Location(path, i + 1)
        if not sep:
            problems.add(where, f"expected 'key: value' in the front matter, got {line.strip()!r}")
        elif key not in DECK_KEYS:
            problems.add(where, f"unknown deck key {key!r} (known: {', '.join(sorted(DECK_KEYS))})")
        elif key in front:
            problems.add(where, f"deck key {key!r} is given twice")
        else:
            front[key] = (value.strip(), i + 1)
    problems.add(Location(path, first + 1), "the front-matter block is never closed with '---'")
    return None, 0


def _deck_from_front_matter(path, front, problems) -> DeckSpec:
    def value(key: str, default: str = "") -> str:
        return front.get(key, (default, 1))[0]

    if "adds_to" in front:  # more cards for a deck another file defines (the learner's own cards)
        return _added_cards_deck(path, front, problems)
    slug = value("id")
    if not slug:
        problems.add(Location(path, 1), "the deck has no 'id' in its front matter")
    elif not ID_PATTERN.match(slug):
        problems.add(
            Location(path, front["id"][1]),
            f"deck id {slug!r} must be lowercase letters, digits and '-'",
        )
    if not value("title"):
        problems.add(Location(path, 1), "the deck has no 'title' in its front matter")
    order = 0
    if "order" in front:
        try:
            order = int(value("order"))
        except ValueError:
            problems.add(
                Location(path, front["order"][1]),
                f"deck order must be a whole number, got {value('order')!r}",
            )
    return DeckSpec(
        slug=slug,
        title=value("title"),
        description=value("description"),
        topic=value("topic") or slug,
        requires=_split_list(value("requires")),
        order=order,
        location=Location(path, front.get("requires", ("", 1))[1]),
    )


def _added_cards_deck(path, front, problems) -> DeckSpec:
    """A file that adds cards to a deck defined elsewhere: `adds_to: <deck id>` and no
    other deck keys (the deck keeps its own title, requirements and order)."""
    slug, line = front["adds_to"]
    if not ID_PATTERN.match(slug):
        problems.add(
            Location(path, line),
            f"adds_to names deck {slug!r}; a deck id is lowercase letters, digits and '-'",
        )
    for key in sorted(set(front) - {"adds_to", "topic"}):
        problems.add(
            Location(path, front[key][1]),
            f"a file with 'adds_to' takes no {key!r}: the deck file defines it",
        )
    topic = front.get("topic", ("", 1))[0]
    return DeckSpec(slug=slug, title="", description="", topic=topic, requires=[], order=0,
                    location=Location(path, line), adds_to=True)


def _split_list(value: str) -> list[str]:
    return [item for item in re.split(r"[,\s]+", value) if item]


def _split_cards(path, lines, start, problems) -> list[_RawCard]:
    cards: list[_RawCard] = []
    current: _RawCard | None = None
    open_field: str | None = None
    in_fence = False
    for i in range(start, len(lines)):
        line, number = lines[i], i + 1
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            heading = _HEADING.match(line)
            if heading:
                current, open_field = _RawCard(heading.group(1), number), None
                cards.append(current)
                continue
            if current is None:
                continue  # free text before the first card: a deck introduction
            option = _OPTION.match(line)
            if option and open_field in ("Q", None):
                current.options.append((option.group(1) != " ", option.group(2), number))
                continue
            key_line = _KEY_LINE.match(line)
            if key_line and key_line.group(1) in ALL_FIELDS:
                name = key_line.group(1)
                if name in current.fields:
                    problems.add(
                        Location(path, number),
                        f"card {current.card_id!r} has field '{name}:' twice",
                    )
                open_field = name
                current.fields[name] = [key_line.group(2) or ""]
                current.field_lines[name] = number
                continue
            if key_line and open_field is None:
                key = key_line.group(1)
                if key in CARD_KEYS:
                    current.meta[key] = ((key_line.group(2) or "").strip(), number)
                else:
                    problems.add(
                        Location(path, number),
                        f"unknown card key {key!r} (known: {', '.join(sorted(CARD_KEYS))}; "
                        f"fields: {', '.join(sorted(ALL_FIELDS))})",
                    )
                continue
        if current is None:
            continue
        if open_field is None:
            if line.strip():
                problems.add(
                    Location(path, number),
                    f"text outside any field in card {current.card_id!r}; "
                    "start it with Q:, A:, Text: ...",
                )
            continue
        current.fields[open_field].append(line)
    if in_fence:
        problems.add(Location(path, len(lines)), "a ``` code block is never closed")
    return cards


def _field(raw: _RawCard, name: str) -> str:
    return "\n".join(raw.fields.get(name, [])).strip()


def _build_cards(path, raw: _RawCard, deck: DeckSpec, problems: Problems) -> list[CardSpec]:
    where = Location(path, raw.line)
    if not ID_PATTERN.match(raw.card_id):
        problems.add(where, f"card id {raw.card_id!r} must be lowercase letters, digits and '-'")
        return []
    kind = raw.meta.get("kind", ("", raw.line))[0]
    if not kind:
        problems.add(where, f"card {raw.card_id!r} has no 'kind:' (one of {', '.join(CARD_KINDS)})")
        return []
    if kind not in CARD_KINDS:
        problems.add(
            Location(path, raw.meta["kind"][1]),
            f"unknown kind {kind!r} for card {raw.card_id!r} (one of {', '.join(CARD_KINDS)})",
        )
        return []
    for name, line in raw.field_lines.items():
        if name not in FIELDS_BY_KIND[kind]:
            problems.add(
                Location(path, line),
                f"a {kind} card has no '{name}:' field "
                f"(it takes {', '.join(sorted(FIELDS_BY_KIND[kind]))})",
            )
    if raw.options and kind != "choice":
        problems.add(
            Location(path, raw.options[0][2]),
            f"options '- [ ]' belong only on choice cards, not on {kind} card {raw.card_id!r}",
        )
    tags = _split_list(raw.meta.get("tags", ("", 0))[0])
    topic = raw.meta.get("topic", ("", 0))[0] or deck.topic
    base = {"note_id": raw.card_id, "topic": topic, "tags": tags, "location": where}
    reverse_value = raw.meta.get("reverse", ("false", raw.line))
    if reverse_value[0] not in ("true", "false"):
        problems.add(
            Location(path, reverse_value[1]),
            f"reverse must be true or false, got {reverse_value[0]!r}",
        )
    if reverse_value[0] == "true" and kind != "basic":
        problems.add(
            Location(path, reverse_value[1]), f"reverse: true works only on basic cards, not {kind}"
        )
    answer_value = raw.meta.get("answer", ("shown", raw.line))
    if answer_value[0] not in ANSWER_MODES:
        problems.add(
            Location(path, answer_value[1]),
            f"answer must be shown or typed, got {answer_value[0]!r}",
        )
    elif answer_value[0] == "typed" and kind != "basic":
        problems.add(
            Location(path, answer_value[1]), f"answer: typed works only on basic cards, not {kind}"
        )
    builder = {"basic": _basic, "cloze": _cloze, "choice": _choice}[kind]
    cards = builder(raw, base, reverse_value[0] == "true", _Reporter(problems, path))
    if answer_value[0] == "typed" and kind == "basic" and cards:
        cards[0].extra["answer"] = "typed"  # the reversed sibling asks for the question: shown
    return cards


class _Reporter:
    """Reports problems in one file by line number."""

    def __init__(self, problems: Problems, path: Path):
        self.problems, self.path = problems, path

    def __call__(self, line: int, sentence: str) -> None:
        self.problems.add(Location(self.path, line), sentence)


def _basic(raw, base, reverse, report) -> list[CardSpec]:
    question, answer = _field(raw, "Q"), _field(raw, "A")
    if not question:
        report(raw.line, f"basic card {raw.card_id!r} is missing its question (Q:)")
    if not answer:
        report(
            raw.field_lines.get("A", raw.line),
            f"basic card {raw.card_id!r} is missing its answer (A:)",
        )
    if not (question and answer):
        return []
    cards = [CardSpec(content_id=raw.card_id, kind="basic", front=question, back=answer, **base)]
    if reverse:
        cards.append(
            CardSpec(
                content_id=f"{raw.card_id}::reverse",
                kind="basic",
                front=answer,
                back=question,
                extra={"reverse_of": raw.card_id},
                **base,
            )
        )
    return cards


def _cloze(raw, base, reverse, report) -> list[CardSpec]:
    text, extra_text = _field(raw, "Text"), _field(raw, "Extra")
    line = raw.field_lines.get("Text", raw.line)
    if not text:
        report(line, f"cloze card {raw.card_id!r} is missing its text (Text:)")
        return []
    leftover = CLOZE.sub("", text)
    if "{{" in leftover or "}}" in leftover:
        report(
            line,
            f"bad cloze in card {raw.card_id!r}: every deletion must read "
            "{{c1::answer}} or {{c1::answer::hint}}",
        )
        return []
    numbers = sorted({int(m.group(1)) for m in CLOZE.finditer(text)})
    if not numbers:
        report(line, f"cloze card {raw.card_id!r} has no deletion like {{{{c1::answer}}}}")
        return []
    if 0 in numbers:
        report(line, f"bad cloze in card {raw.card_id!r}: numbering starts at c1")
        return []
    return [
        CardSpec(
            content_id=f"{raw.card_id}::c{n}",
            kind="cloze",
            front=render_cloze(text, n, reveal=False),
            back=render_cloze(text, n, reveal=True) + (f"\n\n{extra_text}" if extra_text else ""),
            extra={"text": text, "cloze": n, "extra": extra_text},
            **base,
        )
        for n in numbers
    ]


def _option(text: str, correct: bool) -> dict:
    """One option as stored: its text, whether it is right, and `pinned` when it ends in
    the pin marker (an "all of the above" that must stay where the author put it)."""
    if text.endswith(PIN_MARKER):
        return {"text": text.removesuffix(PIN_MARKER).rstrip(), "correct": correct, "pinned": True}
    return {"text": text, "correct": correct}


def render_cloze(text: str, number: int, *, reveal: bool) -> str:
    """The text with deletion `number` hidden (`[...]` or `[hint]`) or revealed in bold;
    the other deletions always show their answers."""

    def replace(match: re.Match[str]) -> str:
        if int(match.group(1)) != number:
            return match.group(2)
        if reveal:
            return f"**{match.group(2)}**"
        return f"[{match.group(3) or '...'}]"

    return CLOZE.sub(replace, text)


def _choice(raw, base, reverse, report) -> list[CardSpec]:
    question, explain = _field(raw, "Q"), _field(raw, "Explain")
    if not question:
        report(raw.line, f"choice card {raw.card_id!r} is missing its question (Q:)")
    if len(raw.options) < 2:
        report(raw.line, f"choice card {raw.card_id!r} needs at least two options '- [ ] ...'")
    elif not any(correct for correct, _, _ in raw.options):
        report(
            raw.options[0][2], f"choice card {raw.card_id!r} marks no option correct with '- [x]'"
        )
    if not question or len(raw.options) < 2 or not any(c for c, _, _ in raw.options):
        return []
    options = [_option(text, correct) for correct, text, _ in raw.options]
    right = "\n".join(f"- {o['text']}" for o in options if o["correct"])
    back = right + (f"\n\n{explain}" if explain else "")
    return [
        CardSpec(content_id=raw.card_id, kind="choice", front=question, back=back,
                 extra={"options": options, "explain": explain}, **base)
    ]
