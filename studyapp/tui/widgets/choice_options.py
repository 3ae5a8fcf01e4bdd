"""A multiple-choice card's options: picked with number keys, marked right or wrong on reveal."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class ChoiceOptions(Static):
    DEFAULT_CSS = """
    ChoiceOptions { height: auto; padding: 1 0 0 0; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.options: list[dict] = []
        self.picked: set[int] = set()
        self.revealed = False

    def set_options(self, options: list[dict]) -> None:
        self.options = list(options)
        self.picked = set()
        self.revealed = False
        self._render_options()

    def toggle(self, number: int) -> bool:
        """Pick or unpick option `number` (1-based); False when there is no such option."""
        if self.revealed or not 1 <= number <= len(self.options):
            return False
        self.picked ^= {number - 1}
        self._render_options()
        return True

    def reveal(self) -> None:
        self.revealed = True
        self._render_options()

    @property
    def correct(self) -> set[int]:
        return {i for i, option in enumerate(self.options) if option.get("correct")}

    @property
    def answered_right(self) -> bool:
        return self.picked == self.correct

    def _render_options(self) -> None:
        text = Text()
        for index, option in enumerate(self.options):
            picked = index in self.picked
            mark = "[x]" if picked else "[ ]"
            style = "bold" if picked else ""
            suffix = ""
            if self.revealed:
                right = bool(option.get("correct"))
                if right:
                    style, suffix = "bold green3", "  ✔"
                    if not picked:
                        suffix = "  ✔ (missed)"
                elif picked:
                    style, suffix = "bold red", "  ✘"
                else:
                    style = "dim"
            text.append(f" {index + 1}. {mark} ", style="bold cyan" if not self.revealed else style)
            text.append(option.get("text", ""), style=style)
            text.append(suffix, style=style)
            text.append("\n")
        if not self.revealed:
            text.append("Pick with the number keys, then space to check.", style="dim")
        elif self.answered_right:
            text.append("Right.", style="bold green3")
        else:
            text.append("Not quite.", style="bold red")
        self.update(text)
