"""Anki's cloze deletions as Anki renders them, on a field's HTML.

`{{c1::Rome {{c2::wasn't}} built}} in a day` nests; `<b>{{c1::Python}}</b>` sits inside
formatting; `{{c1::answer::hint}}` has a hint. The deletions are parsed into a tree (a
regular expression cannot pair nested braces), then rendered for one card number:
that number's deletions hidden as `[hint]` / `[...]` on the question and shown in bold on
the answer; every other deletion shows its text. Rendering works on HTML, before it
becomes text, so markup around or inside a deletion stays markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

IMAGE_OCCLUSION_NAMES = ("Image Occlusion",)
_OPEN = re.compile(r"\{\{c(\d+)::")
_BOLD_OPEN = re.compile(r"<(b|strong)\b[^>]*>$", re.IGNORECASE)
_BOLD_CLOSE = re.compile(r"^</(b|strong)\s*>", re.IGNORECASE)


@dataclass
class _Deletion:
    number: int
    parts: list = field(default_factory=list)  # str | _Deletion
    hint: str | None = None


def parse_cloze(text: str) -> list:
    """The text as a list of plain strings and (nested) deletions. An opener without
    its closing braces stays plain text, as Anki shows it."""
    root: list = []
    stack: list[_Deletion] = []
    position = 0

    def current() -> list:
        return stack[-1].parts if stack else root

    while position < len(text):
        opener = _OPEN.search(text, position)
        closer = text.find("}}", position) if stack else -1
        if opener is not None and (closer < 0 or opener.start() < closer):
            current().append(text[position:opener.start()])
            stack.append(_Deletion(int(opener.group(1))))
            position = opener.end()
        elif closer >= 0:
            current().append(text[position:closer])
            deletion = stack.pop()
            _split_hint(deletion)
            current().append(deletion)
            position = closer + 2
        else:
            current().append(text[position:])
            position = len(text)
    while stack:  # unclosed: put the opener back as text
        deletion = stack.pop()
        current().extend([f"{{{{c{deletion.number}::", *deletion.parts])
    return root


def _split_hint(deletion: _Deletion) -> None:
    """`::hint` is the last `::` of the deletion's own (top-level) text."""
    for index in range(len(deletion.parts) - 1, -1, -1):
        part = deletion.parts[index]
        if isinstance(part, str) and "::" in part:
            head, _, hint = part.rpartition("::")
            deletion.parts[index] = head
            deletion.hint = hint
            return


def cloze_numbers(text: str) -> list[int]:
    """The card numbers the text has deletions for, in order."""
    found: set[int] = set()

    def walk(parts: list) -> None:
        for part in parts:
            if isinstance(part, _Deletion):
                found.add(part.number)
                walk(part.parts)

    walk(parse_cloze(text))
    return sorted(found)


def render_cloze_html(text: str, number: int, *, reveal: bool) -> str:
    """The field's HTML for card `number`: its deletions hidden or revealed in bold."""
    return _render(parse_cloze(text), number, reveal)


def _render(parts: list, number: int, reveal: bool) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif part.number == number:
            if not reveal:
                out.append(f"[{part.hint}]" if part.hint else "[...]")
                continue
            inner = _render(part.parts, number, reveal)
            before = "".join(out)
            if _BOLD_OPEN.search(before):  # already bold: a second <b> would print as ****
                out.append(inner)
            else:
                out.append(f"<b>{inner}</b>")
        else:
            out.append(_render(part.parts, number, reveal))
    return "".join(out)
