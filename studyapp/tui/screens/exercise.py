"""Exercise: the prompt (math rendered, worked formulas hidden on review), a Python code
editor holding the learner's draft (saved as they type), checks run in the background
(ctrl+r) into a results pane (table, diagnosis, diff), a hint ladder, the solution behind
a confirmation (rated Again) shown beside the learner's code or as a diff against it,
and submit (ctrl+s): grade the code as it is, show the verdict, offer the rating the
scheduler suggests."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Header, Markdown, Static, TextArea
from textual.widgets._markdown import MarkdownFence
from textual.worker import Worker, WorkerState

from studyapp.content.prompts import shown_prompt
from studyapp.errors import UserError
from studyapp.scheduling.exercises import suggest_exercise_rating
from studyapp.scheduling.rating import RATING_LABELS as RATING_NAMES
from studyapp.tui.formatting import interval, short_date
from studyapp.tui.grader import grader_state
from studyapp.tui.messages import GradeFailed, GradeFinished
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.widgets.grader_banner import GraderBanner
from studyapp.tui.widgets.python_editor import PythonEditor
from studyapp.tui.widgets.study_footer import StudyFooter
from studyapp.tui.widgets.verdict_views import (
    DiagnosisPanel,
    DiffPanel,
    ResultsTable,
    verdict_headline,
)

if TYPE_CHECKING:
    from studyapp.grading.verdict import Verdict
    from studyapp.scheduling.service import QueueItem
    from studyapp.study.drafts import PastSubmission
    from studyapp.tui.grader import Grader
    from studyapp.tui.study_service import StudyService

DRAFT_SAVE_DELAY = 1.0  # seconds of quiet typing before the draft is saved
PANES = ("prompt-panel", "results-panel", "solution-panel")


class Pane(VerticalScroll):
    """A pane that takes focus, scrolls with the keys and can be maximized (f)."""

    ALLOW_MAXIMIZE = True
    can_focus = True


class PromptPane(Pane):
    """The prompt: its code blocks are never cut; ←/→ scroll them sideways."""

    BINDINGS = [
        Binding("left", "sideways(-8)", "Code left", show=False),
        Binding("right", "sideways(8)", "Code right", show=False),
    ]

    def wide_parts(self):
        return self.query(MarkdownFence)

    def action_sideways(self, columns: int) -> None:
        for part in self.wide_parts():
            part.scroll_relative(x=columns, animate=False)


class ResultsPane(PromptPane):
    """The results: the table (←/→ scroll it to the long regime names), the diagnosis, the diff."""

    ALLOW_MAXIMIZE = True

    def wide_parts(self):
        return self.query(ResultsTable)


class WidePane(ScrollableContainer):
    """A pane whose lines are never cut: it scrolls sideways too."""

    ALLOW_MAXIMIZE = True
    can_focus = True


@dataclass(frozen=True)
class ExerciseOutcome:
    """What the exercise screen hands back when it rated the card."""

    rating: int
    result: Any


@dataclass
class Attempt:
    """The learner's effort on this exercise, which the scheduler turns into a rating."""

    earlier_runs: list[bool] = field(
        default_factory=list
    )  # since the last review, before this visit
    visit_runs: list[bool] = field(default_factory=list)
    hints_used: int = 0
    formulas_shown: bool = False  # hidden worked formulas brought back (counted as a hint)
    revealed: bool = False
    seconds_to_pass: float | None = None

    @property
    def runs(self) -> list[bool]:
        return self.earlier_runs + self.visit_runs

    @property
    def passed(self) -> bool:
        return bool(self.visit_runs) and self.visit_runs[-1]

    @property
    def failed_before_pass(self) -> int:
        return sum(1 for passed in self.runs if not passed)


class ExerciseScreen(StudyScreen["ExerciseOutcome | None"]):
    LABEL = "Exercise"
    CSS_PATH = "../styles/exercise.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit", priority=True),
        Binding("ctrl+r", "run", "Run", priority=True),
        Binding("ctrl+g", "hint_while_typing", "Hint", priority=True),
        Binding("h", "hint", "Hint"),
        Binding("ctrl+o", "reveal", "Solution", priority=True),
        Binding("ctrl+b", "toggle_prompt", "Prompt", priority=True),
        Binding("ctrl+e", "external_editor", "$EDITOR", priority=True, show=False),
        Binding("i", "focus_editor", "Edit"),
        Binding("p", "focus_pane('prompt-panel')", "Prompt", show=False),
        Binding("r", "focus_pane('results-panel')", "Results", show=False),
        Binding("s", "focus_pane('solution-panel')", "Solution", show=False),
        Binding("f", "maximize_pane", "Max"),
        Binding("v", "solution_view", "Side/diff", show=False),
        Binding("y", "history", "History"),
        Binding("x", "reset_to_starter", "Reset", show=False),
        Binding("escape", "leave_editor", "Panes"),
        Binding("escape", "back", "Back"),
    ]
    HELP_EXTRA = [
        ("ctrl+s", "Submit: grade the code as it is, then rate"),
        ("ctrl+r", "Run checks only (no rating)"),
        ("esc", "In the editor: leave it for the panes (then esc goes back)"),
        ("← →", "In the prompt: scroll its code blocks sideways"),
        ("ctrl+b", "Collapse / show the prompt pane"),
        ("enter / tab / shift+tab", "In the editor: keep indent / indent / dedent"),
        ("ctrl+/ · ctrl+l", "In the editor: toggle comment · toggle soft wrap"),
        ("p r s", "Focus the prompt, results or solution pane (↑↓ ←→ scroll)"),
        ("f", "Maximize the focused pane (again: restore)"),
        ("v", "Solution beside your code / as a diff against it"),
        ("y", "Submission history (code, diff against the draft)"),
        ("x", "Reset the editor to the starter (asks first)"),
    ]

    def __init__(self, item: QueueItem, study: StudyService,
                 current_grader: Callable[[], Grader | None]) -> None:
        """`item`: the exercise card; `current_grader`: the grader now (the app replaces
        it when the grading device changes)."""
        super().__init__()
        self.item = item
        self.study = study
        self.current_grader = current_grader
        self.attempt = Attempt()
        self.opened_at = study.clock.now()  # again on mount: when the learner sees it
        self.shown_at = time.monotonic()
        self.grading = False
        self.submit_when_graded = False
        self.rated: ExerciseOutcome | None = None
        self.last_verdict: Verdict | None = None
        self.graded_code: str | None = None
        self.diagnosis_counts: dict[str, int] = {}
        self.solution_as_diff = False
        self._save_timer: Timer | None = None
        self._saved_text: str | None = None
        self._typed_text: str | None = None
        self._draft_wanted: str | None = None  # the newest text to keep (set on the UI thread)
        self._draft_lock = threading.Lock()  # one draft write at a time, newest text last
        self.draft_note = ""
        self.reviewing = item.state != "new"
        self.prompt = shown_prompt(item.front, reviewing=self.reviewing)

    @classmethod
    def for_card(cls, card_id: int, study: StudyService,
                 current_grader: Callable[[], Grader | None]) -> ExerciseScreen:
        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.study.cards import queue_item

        with study.database.unit_of_work() as session:
            return cls(queue_item(session, card_id), study, current_grader)

    @property
    def exercise_id(self) -> str:
        return self.item.content_id

    @property
    def starter(self) -> str:
        return self.item.extra.get("starter", "")

    @property
    def editor(self) -> PythonEditor:
        return self.query_one("#editor", PythonEditor)

    def compose(self) -> ComposeResult:
        yield Header()
        yield GraderBanner(self.current_grader, id="grader-banner")
        with Horizontal(id="exercise-body"):
            with Vertical(id="side-column"):
                with PromptPane(id="prompt-panel"):
                    yield Markdown(self._prompt_markdown(), id="prompt")
                    yield Markdown("", id="formulas")
                    yield Static("", id="hints")
                with WidePane(id="solution-panel"):
                    yield Static("", id="solution")
            with Vertical(id="work-panel"):
                editor = PythonEditor(self._initial_code(), id="editor")
                editor.cursor_blink = getattr(self.app, "cursor_blink", True)
                yield editor
                yield Static(
                    Text("ctrl+s: grade + rate · ctrl+r: run checks", style="dim"), id="run-status"
                )
                with ResultsPane(id="results-panel"):
                    yield ResultsTable(id="results")
                    yield DiagnosisPanel("", id="diagnosis")
                    yield DiffPanel("", id="diff")
        yield StudyFooter()
        self.sub_title = self.item.extra.get("title", self.exercise_id)

    def _prompt_markdown(self) -> str:
        # deferred: math rendering loads pylatexenc (optional, slow to import) on first use
        from studyapp.content.mathtext import render_math

        extra = self.item.extra
        title = extra.get("title", self.exercise_id)
        signature = extra.get("signature", "")
        prompt = self.prompt.markdown.strip()
        head = (
            "" if prompt.startswith("#") else f"## {title}\n\n"
        )  # prompts usually bring their own
        tail = ""
        if signature and signature not in prompt:
            tail = f"\n\n```python\n{signature}\n```\n"
        return render_math(head + prompt + tail)

    def _initial_code(self) -> str:
        """The latest draft (or graded attempt, whichever is newer), else the starter.

        Read here, on the UI thread, on purpose (one indexed read): the editor is built
        with the learner's code. Loaded by a worker after the first frame, the editor would
        stand empty for a moment, and typing, ctrl+r / ctrl+s or leaving in that moment would
        act on the empty text (leaving would even save it over the draft)."""
        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.study.drafts import latest_code, runs_since_last_review

        try:
            with self.study.database.unit_of_work() as session:
                latest = latest_code(session, self.exercise_id)
                self.attempt.earlier_runs = runs_since_last_review(
                    session, self.item.card_id, self.exercise_id
                )
        except Exception as exc:  # a database problem must not hide the exercise
            self.log.warning(f"could not load the draft: {exc}")
            latest = None
        if latest is None:
            self.draft_note = "starter"
            self._saved_text = self.starter
            return self.starter
        code, saved_at, source = latest
        self.draft_note = f"{source} of {short_date(saved_at, year=False)}"
        self._saved_text = code
        return code

    def on_mount(self) -> None:
        self.opened_at = self.study.clock.now()
        self.query_one("#prompt-panel").border_title = "Prompt"
        self.query_one("#solution-panel").border_title = "Solution"
        self.query_one("#results-panel").border_title = "Results"
        self._title_editor()
        for name in ("#solution-panel", "#results-panel", "#hints", "#formulas"):
            self.query_one(name).display = False
        self.editor.focus()

    def _title_editor(self) -> None:
        editor = self.editor
        editor.border_title = f"{self.item.extra.get('entry', 'solution')}.py"
        editor.border_subtitle = self.draft_note

    # -- drafts -------------------------------------------------------------------------

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id != "editor":
            return
        self._typed_text = event.text_area.text  # kept here: saving on exit may outlive the widget
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(DRAFT_SAVE_DELAY, self.save_draft_soon)

    def save_draft_soon(self) -> None:
        """Keep the text as it is now, written by a thread worker: for saves while the
        learner stays (the debounced one after typing, before a run, after a reset)."""
        self._want_current_text()
        self._save_draft_in_background()

    @work(thread=True, group="exercise-draft", exit_on_error=False, name="save the draft")
    def _save_draft_in_background(self) -> datetime | None:
        # not exclusive: cancelling a save that has not started would skip it; the lock
        # keeps the writes in order, and each writes the newest text wanted
        return self._write_draft()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "exercise-draft" and event.state is WorkerState.SUCCESS:
            if isinstance(worker.result, datetime):
                self._draft_saved(worker.result)

    def save_draft(self) -> None:
        """Keep the editor's text as the exercise's draft now (a no-op when it is unchanged).

        Synchronous on purpose: it runs when the learner leaves (esc, submit, the screen
        popped or suspended, the app quitting) and must be written before the screen or
        the app goes; a thread worker would be cancelled with the screen, and one that
        had not started yet would never write."""
        self._want_current_text()
        try:
            saved_at = self._write_draft()
        except Exception as exc:
            self.notify(f"The draft could not be saved: {exc}", severity="error")
            return
        if saved_at is not None:
            self._draft_saved(saved_at)

    def _want_current_text(self) -> None:
        """The text to keep is the editor's now: the pending debounced save is not needed."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        self._draft_wanted = self._current_text()

    def _current_text(self) -> str | None:
        try:
            return self.editor.text
        except Exception:  # torn down (the app is exiting): what was last typed
            return self._typed_text

    def _write_draft(self) -> datetime | None:
        """Write the newest wanted text unless it is saved already; returns when it was
        saved, None when there was nothing to write. Any thread: the lock orders writes."""
        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.study.drafts import save_draft

        with self._draft_lock:
            text = self._draft_wanted
            if text is None or text == self._saved_text:
                return None
            now = self.study.clock.now()
            with self.study.database.unit_of_work() as session:
                save_draft(session, self.exercise_id, text, now)
            self._saved_text = text
            return now

    def _draft_saved(self, saved_at: datetime) -> None:
        self.draft_note = f"draft saved {short_date(saved_at, year=False)}"
        if self.is_mounted and self.query("#editor"):
            self.editor.border_subtitle = self.draft_note

    def on_screen_suspend(self) -> None:
        self.save_draft()

    def on_unmount(self) -> None:
        self.save_draft()

    # The dialogs: each a worker awaiting push_screen_wait (a plain async worker, on the
    # loop: push_screen_wait must run in one). Its group ends in "-dialog": it finishes
    # only when the learner answers, so whatever waits for the screen's loading workers
    # (tests/tui/conftest.py's settle) leaves it out; Textual cancels it with the screen.
    @work(exclusive=True, group="exercise-reset-dialog", exit_on_error=False,
          name="reset the code")
    async def action_reset_to_starter(self) -> None:
        from studyapp.tui.screens.dialogs import ConfirmDialog  # deferred: only when asked

        question = ("Replace your code with the starter? (Your graded attempts stay in the "
                    "history: y.)")
        if await self.app.push_screen_wait(ConfirmDialog(question, yes="Reset")):
            self._replace_code(self.starter)

    def _replace_code(self, code: str) -> None:
        self.editor.text = code
        self.save_draft_soon()
        self.editor.focus()

    @work(thread=True, exclusive=True, group="exercise-history", exit_on_error=False,
          name="load the submission history")
    def action_history(self) -> None:
        from studyapp.study.drafts import submission_history  # deferred: only when asked

        with self.study.database.unit_of_work() as session:
            history = submission_history(session, self.exercise_id)
        self.app.call_from_thread(self._show_history, history)

    @work(exclusive=True, group="exercise-history-dialog", exit_on_error=False,
          name="show the submission history")
    async def _show_history(self, history: list[PastSubmission]) -> None:
        from studyapp.tui.screens.submissions import SubmissionHistory  # deferred: only when asked

        code = await self.app.push_screen_wait(SubmissionHistory(history, self.editor.text))
        if code is not None:
            self._replace_code(code)

    # -- grading ------------------------------------------------------------------------

    def action_run(self) -> None:
        grader = self.current_grader()
        if grader is None:
            self.submit_when_graded = False
            self.notify("No grader is running.", severity="error")
            return
        if self.grading:
            self.notify("The checks are already running.")
            return
        code = self.editor.text
        self.save_draft_soon()
        self.grading = True
        number = len(self.attempt.visit_runs) + 1
        state = {
            "warming": "queued until the grader is warm",
            "failed": "waiting for the grader to restart",
        }.get(grader_state(grader), "running")
        self.query_one("#run-status", Static).update(
            Text(f"⏳ Checks {state} (run {number}); keep editing if you like.", style="italic")
        )
        self._grade(grader, code, number)

    @work(exclusive=True, group="grade", exit_on_error=False,
          name="grade the code")
    async def _grade(self, grader: Grader, code: str, attempt: int) -> None:
        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.study.submissions import record_submission

        try:
            verdict = await grader.grade(self.exercise_id, code,
                                         variant_seed=self.item.variant_seed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.post_message(GradeFailed(f"{type(exc).__name__}: {exc}", attempt))
            return

        def store() -> None:
            with self.study.database.unit_of_work() as session:
                record_submission(session, card_id=self.item.card_id, exercise_id=self.exercise_id,
                                  code=code, verdict=verdict, now=self.study.clock.now())

        await asyncio.to_thread(store)
        self.post_message(GradeFinished(verdict, code, attempt))

    def on_grade_finished(self, message: GradeFinished) -> None:
        self.grading = False
        verdict = message.verdict
        self.last_verdict = verdict
        self.graded_code = message.code
        passed = verdict.passed
        self.attempt.visit_runs.append(passed)
        if passed and self.attempt.seconds_to_pass is None:
            self.attempt.seconds_to_pass = (self.study.clock.now() - self.opened_at).total_seconds()
        diagnosis_id = verdict.diagnosis.id if verdict.diagnosis is not None else ""
        if diagnosis_id:
            self.diagnosis_counts[diagnosis_id] = self.diagnosis_counts.get(diagnosis_id, 0) + 1
        headline = verdict_headline(verdict)
        if passed and not self.submit_when_graded:
            headline.append("  ctrl+s submits", style="bold")
        self.query_one("#run-status", Static).update(headline)
        # how to fix it shows once the same mistake comes twice
        self._show_results(verdict, fix=self.diagnosis_counts.get(diagnosis_id, 0) >= 2)
        self.refresh_bindings()
        if self.submit_when_graded:
            self.submit_when_graded = False
            self._offer_rating()

    def _show_results(self, verdict, *, fix: bool) -> None:
        panel = self.query_one("#results-panel")
        panel.display = True
        results = self.query_one("#results", ResultsTable)
        results.show(verdict)
        self.query_one("#diagnosis", DiagnosisPanel).show(verdict, show_fix=fix)
        self.query_one("#diff", DiffPanel).show(verdict)
        panel.scroll_home(animate=False)

    def on_grade_failed(self, message: GradeFailed) -> None:
        self.grading = False
        self.submit_when_graded = False
        self.query_one("#run-status", Static).update(
            Text(f"The grader failed: {message.error}", style="red")
        )

    def show_in_prompt_panel(self, widget) -> None:
        """Scroll the prompt panel to a part that just appeared (after it is laid out: a
        widget that was hidden has no place until the next layout pass)."""
        panel = self.query_one("#prompt-panel")
        self.call_after_refresh(lambda: panel.scroll_to_widget(widget, animate=False, top=True))

    # -- help along the way -------------------------------------------------------------

    def action_hint(self) -> None:
        """The hint ladder: hidden worked formulas first (on review), then the hints; after
        a diagnosed failure the diagnosis's how-to-fix comes with the next hint."""
        # deferred: math rendering loads pylatexenc (optional, slow to import) on first use
        from studyapp.content.mathtext import render_math

        if self.prompt.hidden and not self.attempt.formulas_shown:
            self.attempt.formulas_shown = True
            self.attempt.hints_used += 1
            formulas = self.query_one("#formulas", Markdown)
            formulas.display = True

            async def show() -> None:  # scrolled to once the Markdown is built and laid out
                await formulas.update(
                    render_math("**Worked formulas**\n\n" + "\n\n".join(self.prompt.hidden))
                )
                self.show_in_prompt_panel(formulas)

            self.call_later(show)
            return
        if self.last_verdict is not None and self.last_verdict.diagnosis is not None:
            self.query_one("#diagnosis", DiagnosisPanel).show(self.last_verdict, show_fix=True)
        hints = list(self.item.extra.get("hints") or [])
        shown = self.attempt.hints_used - int(self.attempt.formulas_shown)
        if shown >= len(hints):
            self.notify("No more hints. ctrl+o reveals the solution (rated Again).")
            return
        self.attempt.hints_used += 1
        text = Text()
        for number, hint in enumerate(hints[: shown + 1], start=1):
            text.append(f"Hint {number}/{len(hints)}: ", style="bold dark_orange")
            text.append(render_math(hint.strip()) + "\n")
        panel = self.query_one("#hints", Static)
        panel.update(text)
        panel.display = True
        self.show_in_prompt_panel(panel)

    def action_reveal(self) -> None:
        if self.attempt.revealed:
            self.action_focus_pane("solution-panel")
            return
        self._confirm_reveal()

    @work(exclusive=True, group="exercise-reveal-dialog", exit_on_error=False,
          name="reveal the solution")
    async def _confirm_reveal(self) -> None:
        from studyapp.tui.screens.dialogs import ConfirmDialog  # deferred: only when asked

        question = "Reveal the solution? This exercise will be rated Again."
        if await self.app.push_screen_wait(ConfirmDialog(question, yes="Reveal")):
            self._reveal()

    def _reveal(self) -> None:
        self.attempt.revealed = True
        self._show_solution()
        panel = self.query_one("#solution-panel")
        panel.display = True
        self.query_one("#side-column").display = True
        self.add_class("-solution")  # half the width each: the solution beside the learner's code
        panel.focus()
        self._save_rating(1)
        self.refresh_bindings()

    def _show_solution(self) -> None:
        """The solution in full (no line cut: the pane scrolls both ways), highlighted,
        beside the learner's code, or as a diff against it."""
        # deferred: drafts pull in SQLAlchemy; the submissions screen loads when first opened
        from studyapp.study.drafts import code_diff
        from studyapp.tui.screens.submissions import diff_text

        solution = self.item.back.strip() + "\n"
        view = self.query_one("#solution", Static)
        panel = self.query_one("#solution-panel")
        if self.solution_as_diff:
            lines = code_diff(self.editor.text, solution, "your code", "solution")
            view.update(
                diff_text(lines) if lines else Text("Your code is the solution.", style="dim")
            )
            panel.border_title = "Solution: diff against your code (v: side by side)"
        else:
            view.update(
                Syntax(
                    solution,
                    "python",
                    line_numbers=True,
                    word_wrap=False,
                    theme="ansi_dark",
                    background_color="default",
                )
            )
            panel.border_title = "Solution (v: diff against your code)"

    def action_solution_view(self) -> None:
        if not self.attempt.revealed:
            return
        self.solution_as_diff = not self.solution_as_diff
        self._show_solution()

    def action_external_editor(self) -> None:
        # deferred: looked up on use, so the editor hook can be replaced (tests patch it)
        from studyapp.tui.external_editor import edit_text, editor_command

        if editor_command(self.app) is None:
            self.notify(
                "No external editor: set $EDITOR (e.g. `export EDITOR=vim` in your shell profile) "
                "and start studyapp again.",
                severity="warning",
                timeout=8,
            )
            return
        editor = self.editor
        text, problem = edit_text(self.app, editor.text, suffix=".py")
        if problem:
            self.notify(problem, severity="warning")
            return
        if text is not None:
            editor.text = text
            self.save_draft_soon()
            self.action_run()

    # -- panes --------------------------------------------------------------------------

    def action_focus_editor(self) -> None:
        if self.maximized is not None:
            self.minimize()
        self.editor.focus()

    def action_focus_pane(self, pane: str) -> None:
        widget = self.query_one(f"#{pane}")
        if not widget.display:
            self.notify(
                {
                    "results-panel": "No results yet: ctrl+r runs the checks.",
                    "solution-panel": "The solution is hidden: ctrl+o reveals it (rated Again).",
                    "prompt-panel": "The prompt is collapsed: ctrl+b shows it.",
                }[pane]
            )
            return
        if self.maximized is not None:
            self.minimize()
        widget.focus()

    def action_maximize_pane(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        focused: DOMNode | None = self.focused
        while focused is not None and focused.id not in (*PANES, "editor"):
            focused = focused.parent
        if isinstance(focused, Widget):
            self.maximize(focused, container=False)

    def action_toggle_prompt(self) -> None:
        column = self.query_one("#side-column")
        column.display = not column.display
        if not column.display and self.focused is not None and self.focused.id in PANES:
            self.editor.focus()

    def action_leave_editor(self) -> None:
        for pane in PANES:
            widget = self.query_one(f"#{pane}")
            if widget.display and widget.parent is not None and widget.parent.display:
                widget.focus()
                return
        self.set_focus(None)

    def action_back(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        self.save_draft()
        self.dismiss(self.rated)

    def action_hint_while_typing(self) -> None:
        self.action_hint()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        editing = isinstance(self.focused, TextArea)
        if action in ("leave_editor", "hint_while_typing"):
            return editing
        if action in ("back", "hint", "focus_editor", "focus_pane", "maximize_pane", "history",
                      "reset_to_starter", "solution_view"):
            if action == "solution_view" and not self.attempt.revealed:
                return False
            return not editing
        if action == "reveal":
            return None if self.attempt.revealed else True
        return True

    # -- rating -------------------------------------------------------------------------

    def suggested_rating(self):
        """The scheduler's suggestion for this attempt (a RatingSuggestion)."""
        attempt = self.attempt
        return suggest_exercise_rating(
            # the code in the editor was graded this visit: its run is the last one
            runs=attempt.runs if attempt.visit_runs else [],
            hints_used=attempt.hints_used,
            revealed=attempt.revealed,
            seconds=attempt.seconds_to_pass,
            target_seconds=int(self.item.extra.get("target_seconds") or 0),
        )

    def action_submit(self) -> None:
        """Grade the code as it is in the editor (unless exactly that was just graded),
        show the verdict, then offer the rating."""
        if self.rated is not None:
            self.save_draft()
            self.dismiss(self.rated)
            return
        if self.grading:
            self.submit_when_graded = True
            self.notify("Submitting when the checks finish.")
            return
        if self.graded_code is not None and self.graded_code == self.editor.text:
            self._offer_rating()
            return
        if self.current_grader() is None:
            self._offer_rating()  # without a grader the learner rates by hand
            return
        self.submit_when_graded = True
        self.action_run()

    @work(exclusive=True, group="exercise-rating-dialog", exit_on_error=False,
          name="offer the rating")
    async def _offer_rating(self) -> None:
        from studyapp.tui.screens.dialogs import RatingDialog  # deferred: only when asked

        suggestion = self.suggested_rating()
        verdict = self.last_verdict
        headline = verdict_headline(verdict) if verdict is not None else None
        previews = await asyncio.to_thread(self._previews)  # a database read, off the loop
        dialog = RatingDialog(suggestion.rating, suggestion.reason, previews, verdict=headline)
        value = await self.app.push_screen_wait(dialog)
        if value is None:
            return
        # the last thing this worker does is dismiss its own screen (which cancels the
        # screen's workers, this one included, once the screen is removed): nothing after
        self._save_rating(value)
        if self.rated is not None:
            self.save_draft()
            self.dismiss(self.rated)

    def _previews(self) -> dict[int, str]:
        """Blocking: rating -> the interval it would give, in words."""
        try:
            previews = self.study.reviews.preview(self.item.card_id)
        except UserError:
            return {}
        return {rating: interval(after) for rating, after in previews.items()}

    def _save_rating(self, rating: int) -> None:
        """On the UI thread on purpose: the screen is dismissed with this rating right
        after; written from a thread, esc in between would leave the card rated in the
        database but unrated on the review screen (which would offer it again)."""
        spent = int((time.monotonic() - self.shown_at) * 1000)
        try:
            result = self.study.reviews.review(
                self.item.card_id, rating, duration_ms=spent, source="grader"
            )
        except UserError as exc:
            self.notify(str(exc), severity="error")
            return
        self.rated = ExerciseOutcome(rating, result)
        self.notify(
            f"Rated {RATING_NAMES[rating]}: next review {interval(result.interval)} from now."
        )
