"""Exercise: the prompt as Markdown, a Python code editor with the starter or the
learner's last attempt, checks run in the background (ctrl+r) into a results table,
the diagnosis, a diff of expected vs got for the worst failing check, a hint ladder,
the solution behind a confirmation (rated Again), and submitting through the
scheduler's exercise rules with a chance to override."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown, Static, TextArea

from studyapp.errors import UserError
from studyapp.tui.formatting import interval
from studyapp.tui.messages import GradeFailed, GradeFinished
from studyapp.tui.widgets.grader_banner import GraderBanner, grader_state
from studyapp.tui.widgets.verdict_views import (
    DiagnosisPanel,
    DiffPanel,
    ResultsTable,
    get,
    verdict_headline,
)

RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


@dataclass(frozen=True)
class ExerciseOutcome:
    """What the exercise screen hands back when it rated the card."""

    rating: int
    result: Any


@dataclass
class Attempt:
    """The learner's effort on this exercise, which becomes the rating."""

    runs: int = 0
    failed_before_pass: int = 0
    passed: bool = False
    hints_used: int = 0
    revealed: bool = False
    seconds_to_pass: float | None = None


class ExerciseScreen(Screen):
    LABEL = "Exercise"
    CSS_PATH = "../styles/exercise.tcss"
    BINDINGS = [
        Binding("ctrl+r", "run", "Run checks", priority=True),
        Binding("ctrl+s", "submit", "Submit", priority=True),
        Binding("h", "hint", "Hint"),
        Binding("ctrl+g", "hint_while_typing", "Hint", priority=True),
        Binding("ctrl+o", "reveal", "Solution", priority=True),
        Binding("ctrl+e", "external_editor", "$EDITOR", priority=True),
        Binding("i", "focus_editor", "Edit code"),
        Binding("escape", "leave_editor", "Leave editor"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, item) -> None:
        super().__init__()
        self.item = item
        self.attempt = Attempt()
        self.opened_at = None
        self.shown_at = time.monotonic()
        self.grading = False
        self.rated: ExerciseOutcome | None = None
        self.last_verdict = None

    @classmethod
    def for_card(cls, card_id: int, app) -> ExerciseScreen:
        from studyapp.study.cards import queue_item

        with app.database.unit_of_work() as session:
            return cls(queue_item(session, card_id))

    @property
    def exercise_id(self) -> str:
        return self.item.content_id

    def compose(self) -> ComposeResult:
        extra = self.item.extra
        yield Header()
        yield GraderBanner(id="grader-banner")
        with Horizontal(id="exercise-body"):
            with VerticalScroll(id="prompt-panel"):
                yield Markdown(self._prompt_markdown(), id="prompt")
                yield Static("", id="hints")
                yield Markdown("", id="solution")
                yield DiagnosisPanel("", id="diagnosis")
                yield DiffPanel("", id="diff")
            with Vertical(id="work-panel"):
                editor = TextArea.code_editor(self._initial_code(), language="python", id="editor")
                editor.cursor_blink = getattr(self.app, "cursor_blink", True)
                yield editor
                yield Static(Text("Checks not run yet: ctrl+r runs them.", style="dim"), id="run-status")
                yield ResultsTable(id="results")
        yield Footer(compact=True)
        self.sub_title = extra.get("title", self.exercise_id)

    def _prompt_markdown(self) -> str:
        extra = self.item.extra
        title = extra.get("title", self.exercise_id)
        signature = extra.get("signature", "")
        prompt = self.item.front.strip()
        head = "" if prompt.startswith("#") else f"## {title}\n\n"  # prompts usually bring their own
        if signature and signature not in prompt:
            head += f"```python\n{signature}\n```\n\n"
        return head + prompt

    def _initial_code(self) -> str:
        from studyapp.study.submissions import last_submission_code

        try:
            with self.app.database.unit_of_work() as session:
                last = last_submission_code(session, self.exercise_id)
        except Exception:
            last = None
        return last if last is not None else self.item.extra.get("starter", "")

    def on_mount(self) -> None:
        self.opened_at = self.app.clock.now()
        self.query_one("#prompt-panel").border_title = "Prompt"
        self.query_one("#editor").border_title = f"{self.item.extra.get('entry', 'solution')}.py"
        self.query_one("#results").display = False
        self.query_one("#solution").display = False
        self.query_one("#diagnosis").display = False
        self.query_one("#diff").display = False
        self.query_one("#hints").display = False
        self.query_one("#editor", TextArea).focus()

    # -- grading ------------------------------------------------------------------------

    def action_run(self) -> None:
        grader = self.app.grader
        if grader is None:
            self.notify("No grader is running.", severity="error")
            return
        code = self.query_one("#editor", TextArea).text
        self.grading = True
        self.attempt.runs += 1
        state = {"warming": "queued until the grader is warm", "failed": "waiting for the grader to restart"}.get(
            grader_state(grader), "running")
        self.query_one("#run-status", Static).update(
            Text(f"⏳ Checks {state} (attempt {self.attempt.runs}); keep editing if you like.", style="italic")
        )
        self._grade(code, self.attempt.runs)

    @work(exclusive=True, group="grade")
    async def _grade(self, code: str, attempt: int) -> None:
        from studyapp.study.submissions import record_submission

        try:
            verdict = await self.app.grader.grade(self.exercise_id, code, variant_seed=self.item.variant_seed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.post_message(GradeFailed(f"{type(exc).__name__}: {exc}", attempt))
            return

        def store() -> None:
            with self.app.database.unit_of_work() as session:
                record_submission(session, card_id=self.item.card_id, exercise_id=self.exercise_id,
                                  code=code, verdict=verdict, now=self.app.clock.now())

        await asyncio.to_thread(store)
        self.post_message(GradeFinished(verdict, code, attempt))

    def on_grade_finished(self, message: GradeFinished) -> None:
        self.grading = False
        verdict = message.verdict
        self.last_verdict = verdict
        passed = get(verdict, "status") == "passed"
        if passed and not self.attempt.passed:
            self.attempt.passed = True
            self.attempt.seconds_to_pass = (self.app.clock.now() - self.opened_at).total_seconds()
        elif not passed and not self.attempt.passed:
            self.attempt.failed_before_pass += 1
        headline = verdict_headline(verdict)
        if passed:
            headline.append("  ctrl+s submits", style="bold")
        self.query_one("#run-status", Static).update(headline)
        results = self.query_one("#results", ResultsTable)
        results.show(verdict)
        results.display = True
        diagnosis = self.query_one("#diagnosis", DiagnosisPanel)
        named = get(get(verdict, "diagnosis") or {}, "id")
        seen = self.__dict__.setdefault("_diagnoses_seen", {})
        seen[named] = seen.get(named, 0) + 1
        # how to fix it: on the hint key, or the second failure with the same diagnosis
        diagnosis.show(verdict, reveal_fix=bool(named) and (seen[named] > 1
                                                             or self.attempt.hints_used > 0))
        self.query_one("#diff", DiffPanel).show(verdict)
        if diagnosis.display:  # bring the explanation into view, once it is laid out
            self.show_in_prompt_panel(diagnosis)
        self.refresh_bindings()

    def on_grade_failed(self, message: GradeFailed) -> None:
        self.grading = False
        self.attempt.runs = max(0, self.attempt.runs - 1)
        self.query_one("#run-status", Static).update(Text(f"The grader failed: {message.error}", style="red"))

    def show_in_prompt_panel(self, widget) -> None:
        """Scroll the prompt panel to a part that just appeared (after it is laid out: a
        widget that was hidden has no place until the next layout pass)."""
        panel = self.query_one("#prompt-panel")
        self.set_timer(0.05, lambda: panel.scroll_to_widget(widget, animate=False, top=True))

    # -- help along the way -------------------------------------------------------------

    def action_hint(self) -> None:
        verdict = getattr(self, "last_verdict", None)
        if verdict is not None and get(verdict, "diagnosis"):  # the hint key reveals the fix
            self.query_one("#diagnosis", DiagnosisPanel).show(verdict, reveal_fix=True)
        hints = list(self.item.extra.get("hints") or [])
        if self.attempt.hints_used >= len(hints):
            self.notify("No more hints. ctrl+o reveals the solution (rated Again).")
            return
        self.attempt.hints_used += 1
        text = Text()
        for number, hint in enumerate(hints[: self.attempt.hints_used], start=1):
            text.append(f"Hint {number}/{len(hints)}: ", style="bold dark_orange")
            text.append(hint.strip() + "\n")
        panel = self.query_one("#hints", Static)
        panel.update(text)
        panel.display = True
        self.show_in_prompt_panel(panel)

    def action_reveal(self) -> None:
        if self.attempt.revealed:
            return
        from studyapp.tui.screens.dialogs import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self._reveal()

        self.app.push_screen(
            ConfirmDialog("Reveal the solution? This exercise will be rated Again.", yes="Reveal"), answered
        )

    def _reveal(self) -> None:
        self.attempt.revealed = True
        solution = self.query_one("#solution", Markdown)
        solution.update(f"### Solution\n\n```python\n{self.item.back.strip()}\n```")
        solution.display = True
        self.show_in_prompt_panel(solution)
        self._save_rating(1)
        self.refresh_bindings()

    def action_external_editor(self) -> None:
        from studyapp.tui.external_editor import edit_text

        editor = self.query_one("#editor", TextArea)
        text, problem = edit_text(self.app, editor.text, suffix=".py")
        if problem:
            self.notify(problem, severity="warning")
            return
        if text is not None:
            editor.text = text
            self.action_run()

    def action_focus_editor(self) -> None:
        self.query_one("#editor", TextArea).focus()

    def action_leave_editor(self) -> None:
        self.query_one("#prompt-panel").focus()

    def action_back(self) -> None:
        self.dismiss(self.rated)

    def action_hint_while_typing(self) -> None:
        self.action_hint()

    # -- rating -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        editing = isinstance(self.focused, TextArea)
        if action in ("leave_editor", "hint_while_typing"):
            return editing
        if action in ("back", "hint", "focus_editor"):
            return not editing
        if action == "reveal":
            return None if self.attempt.revealed else True
        return True

    def suggested_rating(self) -> tuple[int, str]:
        from studyapp.scheduling.exercises import exercise_rating

        attempt = self.attempt
        seconds = attempt.seconds_to_pass
        if seconds is None:
            seconds = (self.app.clock.now() - self.opened_at).total_seconds()
        target = int(self.item.extra.get("target_seconds") or 0)
        rating = exercise_rating(
            passed=attempt.passed,
            failed_attempts=attempt.failed_before_pass,
            hints_used=attempt.hints_used,
            revealed=attempt.revealed,
            gave_up=not attempt.passed,
            seconds=seconds,
            target_seconds=target,
        )
        if attempt.revealed:
            reason = "you revealed the solution"
        elif not attempt.passed:
            reason = "the checks have not passed yet (submitting now gives up)"
        elif attempt.failed_before_pass or attempt.hints_used:
            parts = []
            if attempt.failed_before_pass:
                parts.append(f"{attempt.failed_before_pass} failed run{'s' if attempt.failed_before_pass != 1 else ''}")
            if attempt.hints_used:
                parts.append(f"{attempt.hints_used} hint{'s' if attempt.hints_used != 1 else ''}")
            reason = "passed after " + " and ".join(parts)
        elif rating == 4:
            reason = f"passed first time, under the {target}s target"
        else:
            reason = "passed first time" + (f" (target {target}s)" if target else "")
        return rating, reason

    def action_submit(self) -> None:
        if self.rated is not None:
            self.dismiss(self.rated)
            return
        from studyapp.tui.screens.dialogs import RatingDialog

        rating, reason = self.suggested_rating()
        try:
            previews = {k: interval(v) for k, v in self.app.service.preview(self.item.card_id).items()}
        except UserError:
            previews = {}

        def chosen(value: int | None) -> None:
            if value is None:
                return
            self._save_rating(value)
            if self.rated is not None:
                self.dismiss(self.rated)

        self.app.push_screen(RatingDialog(rating, reason, previews), chosen)

    def _save_rating(self, rating: int) -> None:
        spent = int((time.monotonic() - self.shown_at) * 1000)
        try:
            result = self.app.service.review(self.item.card_id, rating, duration_ms=spent, source="grader")
        except UserError as exc:
            self.notify(str(exc), severity="error")
            return
        self.rated = ExerciseOutcome(rating, result)
        self.notify(f"Rated {RATING_NAMES[rating]}: next review {interval(result.interval)} from now.")
