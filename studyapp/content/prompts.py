"""An exercise prompt as the learner sees it: worked formulas hidden on review.

A prompt marks what a learner should recall on review (worked formulas, derivations)
with a fenced block:

    ```hide-on-review
    $$\\hat m_t = \\frac{m_t}{1-\\beta_1^t}$$
    ```

The first time the exercise is met the block shows as ordinary Markdown; when it comes
back for review it is replaced by a short note, and the hint ladder brings it back
(counted as a hint). A prompt whose front matter says `hide-on-review: true` hides
every display formula (`$$...$$`) the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HIDDEN_BLOCK = re.compile(r"^```hide-on-review[ \t]*\n(?P<body>.*?)^```[ \t]*$\n?", re.S | re.M)
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)^---[ \t]*\n", re.S | re.M)
DISPLAY_MATH = re.compile(r"\$\$.+?\$\$", re.S)
HIDDEN_NOTE = "*(Worked formulas hidden: recall them. The hint key brings them back, counted as a hint.)*\n"


@dataclass(frozen=True)
class ShownPrompt:
    markdown: str  # what the prompt pane shows
    hidden: tuple[str, ...]  # the hidden blocks, in order (empty when nothing is hidden)


def _front_matter_hides(prompt: str) -> tuple[bool, str]:
    match = FRONT_MATTER.match(prompt)
    if match is None:
        return False, prompt
    flags = dict(line.split(":", 1) for line in match.group("body").splitlines() if ":" in line)
    hides = flags.get("hide-on-review", "").strip().lower() in ("true", "yes", "1")
    return hides, prompt[match.end():]


def shown_prompt(prompt: str, *, reviewing: bool) -> ShownPrompt:
    """The prompt's Markdown for a first meeting (everything shown, markers removed) or a
    review (marked blocks replaced by a note, returned apart for the hint ladder)."""
    hide_all_display_math, prompt = _front_matter_hides(prompt)
    if not reviewing:
        return ShownPrompt(HIDDEN_BLOCK.sub(lambda m: m.group("body"), prompt), ())
    hidden: list[str] = []

    def hide(match: re.Match) -> str:
        hidden.append(match.group("body").strip() if "body" in match.groupdict() else match.group(0))
        return HIDDEN_NOTE if len(hidden) == 1 else ""

    markdown = HIDDEN_BLOCK.sub(hide, prompt)
    if hide_all_display_math:
        markdown = DISPLAY_MATH.sub(hide, markdown)
    return ShownPrompt(markdown, tuple(hidden))


def without_markers(prompt: str) -> str:
    """The whole prompt with the hide-on-review markers removed (for browsing, exports)."""
    return shown_prompt(prompt, reviewing=False).markdown
