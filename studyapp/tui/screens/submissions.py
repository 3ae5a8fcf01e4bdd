"""An exercise's submission history: every graded attempt (time, verdict), its code, and
its diff against the current draft; one can be loaded back into the editor."""

from __future__ import annotations

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from studyapp.tui.formatting import short_date
from studyapp.tui.widgets.verdict_views import STATUS_STYLES, stored_headline


def diff_text(lines: list[str]) -> Text:
    text = Text()
    for line in lines:
        style = ("green3" if line.startswith("+") else "red" if line.startswith("-")
                 else "cyan" if line.startswith("@@") else "")
        text.append(line + "\n", style=style)
    return text


class SubmissionHistory(ModalScreen[str | None]):
    """Dismisses with the code to load into the editor, or None."""

    CSS_PATH = "../styles/dialogs.tcss"
    DEFAULT_CSS = """
    SubmissionHistory { align: center middle; background: $background 60%; }
    #history-body { height: 1fr; }
    #history-list { width: 22; height: 1fr; }
    #history-right { width: 1fr; height: 1fr; }
    #history-code-panel { height: 1fr; }
    #history-code { width: auto; }
    """

    BINDINGS = [
        Binding("d", "toggle_diff", "Code / diff"),
        Binding("l", "load", "Load into editor"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, submissions, draft: str) -> None:
        super().__init__()
        self.submissions = list(submissions)
        self.draft = draft
        self.show_diff = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="history"):
            yield Label(f"Submissions ({len(self.submissions)})", classes="dialog-title")
            with Horizontal(id="history-body"):
                yield OptionList(*[self._option(s) for s in self.submissions], id="history-list")
                with Vertical(id="history-right"):
                    yield Static("", id="history-verdict")
                    with ScrollableContainer(id="history-code-panel"):
                        yield Static("", id="history-code")
            yield Static(
                "↑↓ choose · d code/diff against your draft · l load into the editor · esc close",
                classes="muted",
            )

    def _option(self, submission) -> Option:
        label = Text(short_date(submission.created_at, year=False) + " ")
        label.append(submission.status, style=STATUS_STYLES.get(submission.status, ""))
        return Option(label, id=str(submission.id))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.submissions:
            options.highlighted = 0
        else:
            self.query_one("#history-code", Static).update(
                "No graded attempt yet: ctrl+r runs the checks."
            )
        options.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show()

    @property
    def current(self):
        index = self.query_one(OptionList).highlighted
        return None if index is None or not self.submissions else self.submissions[index]

    def _show(self) -> None:
        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.study.drafts import code_diff

        submission = self.current
        if submission is None:
            return
        headline = stored_headline(submission.verdict, submission.status)
        headline.append(f"  {short_date(submission.created_at)}", style="dim")
        self.query_one("#history-verdict", Static).update(headline)
        view = self.query_one("#history-code", Static)
        if self.show_diff:
            lines = code_diff(submission.code, self.draft, "submission", "draft")
            view.update(
                diff_text(lines)
                if lines
                else Text("The draft is the same as this submission.", style="dim")
            )
        else:
            view.update(Syntax(submission.code, "python", line_numbers=True, word_wrap=False,
                               theme="ansi_dark", background_color="default"))

    def action_toggle_diff(self) -> None:
        self.show_diff = not self.show_diff
        self._show()

    def action_load(self) -> None:
        if self.current is not None:
            self.dismiss(self.current.code)

    def action_close(self) -> None:
        self.dismiss(None)
