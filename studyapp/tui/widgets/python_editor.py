"""A TextArea that edits Python as a code editor does: Enter keeps the indentation and
indents after a line ending in `:`, Tab inserts four spaces, shift+tab dedents the line
or the selected lines, ctrl+/ comments or uncomments them, ctrl+l toggles soft wrap."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.widgets import TextArea

INDENT = "    "


def leading_spaces(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def next_line_indent(line_before_cursor: str) -> str:
    """The indentation a new line gets after `line_before_cursor`: the same, one level
    more after a block opener (a line ending in `:`, comments aside)."""
    indent = leading_spaces(line_before_cursor)
    code = line_before_cursor.split("#", 1)[0].rstrip()
    if code.endswith(":"):
        indent += INDENT
    return indent


def dedent_line(line: str) -> str:
    """The line less one level of indentation (fewer spaces when it has fewer)."""
    if line.startswith("\t"):
        return line[1:]
    spaces = len(line) - len(line.lstrip(" "))
    return line[min(spaces, len(INDENT)):]


def toggle_comments(lines: list[str]) -> list[str]:
    """Comment every line out (at the smallest indentation) unless all non-blank lines are
    comments already, in which case uncomment them."""
    code = [line for line in lines if line.strip()]
    if code and all(line.lstrip().startswith("#") for line in code):
        result = []
        for line in lines:
            stripped = line.lstrip()
            if stripped.startswith("# "):
                stripped = stripped[2:]
            elif stripped.startswith("#"):
                stripped = stripped[1:]
            result.append(leading_spaces(line) + stripped if line.strip() else line)
        return result
    column = min((len(leading_spaces(line)) for line in code), default=0)
    return [line[:column] + "# " + line[column:] if line.strip() else line for line in lines]


class PythonEditor(TextArea):
    BINDINGS = [
        Binding("shift+tab", "dedent", "Dedent", show=False),
        Binding("ctrl+slash,ctrl+underscore", "toggle_comment", "Comment", show=False),
        Binding("ctrl+l", "toggle_wrap", "Wrap", show=False),
    ]

    def __init__(self, text: str = "", **kwargs) -> None:
        kwargs.setdefault("language", "python")
        kwargs.setdefault("show_line_numbers", True)
        kwargs.setdefault("tab_behavior", "indent")
        kwargs.setdefault("soft_wrap", False)
        super().__init__(text, **kwargs)
        self.indent_type = "spaces"
        self.indent_width = len(INDENT)

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter" and not self.read_only:
            event.stop()
            event.prevent_default()
            row, column = self.cursor_location
            before = self.document.get_line(row)[:column]
            self.replace("\n" + next_line_indent(before), *self.selection)
            return
        if event.key == "tab" and not self.read_only and len(self._selected_rows()) > 1:
            event.stop()
            event.prevent_default()
            self._rewrite_rows(
                self._selected_rows(),
                lambda lines: [INDENT + line if line.strip() else line for line in lines],
            )
            return
        await super()._on_key(event)

    def _selected_rows(self) -> range:
        start, end = sorted((self.selection.start, self.selection.end))
        last = end[0] - 1 if end[0] > start[0] and end[1] == 0 else end[0]
        return range(start[0], last + 1)

    def _rewrite_rows(self, rows: range, change) -> None:
        lines = [self.document.get_line(row) for row in rows]
        new = change(lines)
        if new == lines:
            return
        cursor_row, cursor_column = self.cursor_location
        end_column = len(lines[-1])
        self.replace("\n".join(new), (rows.start, 0), (rows.stop - 1, end_column))
        if len(rows) == 1:  # keep the cursor on its text
            shift = len(new[0]) - len(lines[0])
            self.move_cursor((cursor_row, max(0, cursor_column + shift)))
        else:
            self.selection = type(self.selection)((rows.start, 0), (rows.stop - 1, len(new[-1])))

    def action_dedent(self) -> None:
        self._rewrite_rows(
            self._selected_rows(), lambda lines: [dedent_line(line) for line in lines]
        )

    def action_toggle_comment(self) -> None:
        self._rewrite_rows(self._selected_rows(), toggle_comments)

    def action_toggle_wrap(self) -> None:
        self.soft_wrap = not self.soft_wrap
        self.notify(f"Soft wrap {'on' if self.soft_wrap else 'off'} (ctrl+l).", timeout=2)
