"""How a grader verdict is shown: the results table, the diagnosis, the worst check's diff."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text
from textual.widgets import DataTable, Static

from studyapp.jsontypes import JsonObject

if TYPE_CHECKING:  # the grading package is not imported before the first grade
    from rich.console import RenderableType

    from studyapp.grading.verdict import Diagnosis, TestResult, Verdict

STATUS_STYLES = {
    "passed": "bold green3",
    "failed": "bold red",
    "error": "bold red",
    "timeout": "bold dark_orange",
    "memory_limit": "bold dark_orange",
    "output_limit": "bold dark_orange",
    "crashed": "bold red",
    "forbidden": "bold magenta",
    "invalid": "bold magenta",
}


def failing(verdict: Verdict) -> list[TestResult]:
    return [t for t in verdict.tests if t.status != "passed"]


def worst_check(verdict: Verdict) -> TestResult | None:
    """The failing check with the largest absolute error (the first failing one when no
    check has a number)."""
    bad = failing(verdict)
    if not bad:
        return None
    return max(bad, key=lambda t: (t.max_abs_err is not None, t.max_abs_err or 0.0))


def error_text(test: TestResult) -> str:
    if test.max_abs_err is not None and test.status != "passed":
        return f"{test.max_abs_err:.2e}"
    if test.status == "passed":
        return ""
    lines = [line.strip() for line in test.message.strip().splitlines() if line.strip()]
    # a traceback's last line names the exception; a one-line message is itself
    return lines[-1] if lines else ""


class ResultsTable(DataTable):
    """One row per check: check, regime, status, error, first bad step."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        # the regime's description is long: last, so the rest stays in view
        for label, key in (("Check", "check"), ("Status", "status"), ("Error", "error"),
                           ("Step", "step"), ("Regime", "regime")):
            self.add_column(label, key=key)

    def show(self, verdict: Verdict) -> None:
        self.clear()
        if not verdict.tests:
            status = verdict.status
            self.add_row("—", Text(status, style=STATUS_STYLES.get(status, "")), verdict.message,
                         "", "")
            return
        # failing checks first: they are what the learner needs to read
        tests = sorted(verdict.tests, key=lambda t: t.status == "passed")
        for index, test in enumerate(tests):
            step = test.first_bad_step
            self.add_row(
                test.name,
                Text(test.status, style=STATUS_STYLES.get(test.status, "")),
                error_text(test),
                "" if step is None else str(step),
                test.regime,
                key=f"t{index}",
            )


def status_badge(status: str) -> Text:
    text = Text()
    text.append(" PASSED " if status == "passed" else f" {status.upper()} ",
                style=("reverse " + STATUS_STYLES.get(status, "bold")))
    return text


def stored_headline(stored: JsonObject, status: str) -> Text:
    """The headline of a verdict as a submission row stores it (JSON; empty when the row
    has only its status)."""
    # deferred: the grading package is not imported before the first grade
    from studyapp.grading.verdict import Verdict

    if not stored.get("exercise") or not stored.get("status"):
        return status_badge(status)
    return verdict_headline(Verdict.from_json(stored))


def verdict_headline(verdict: Verdict) -> Text:
    tests = verdict.tests
    passed = sum(1 for t in tests if t.status == "passed")
    text = status_badge(verdict.status)
    if tests:
        text.append(f"  {passed} of {len(tests)} checks passed")
    text.append(f" · {verdict.duration_ms} ms", style="dim")
    if verdict.device:
        text.append(f" · {verdict.device}", style="dim")
    return text


class DiagnosisPanel(Static):
    """Names the mistake, in tiers: what is wrong and the evidence first; how to fix it only
    once ``show_fix`` (the hint key, or a second failure with the same diagnosis)."""

    def show(self, verdict: Verdict, *, show_fix: bool = False) -> None:
        if verdict.diagnosis is not None:
            self.update(diagnosis_text(verdict.diagnosis, show_fix=show_fix))
            self.display = True
        elif verdict.status != "passed":
            self.update(undiagnosed_text(verdict))
            self.display = True
        else:
            self.update("")
            self.display = False


def diagnosis_text(diagnosis: Diagnosis, *, show_fix: bool) -> Text:
    # deferred: math rendering loads pylatexenc (optional, slow to import) on first use
    from studyapp.content.mathtext import render_math

    text = Text()
    text.append("Diagnosis", style="bold dark_orange")
    if diagnosis.id:
        text.append(f"  ({diagnosis.id})", style="dim")
    text.append("\n")
    text.append(render_math(diagnosis.what or diagnosis.text))
    if diagnosis.evidence:
        text.append(f"\nEvidence: {render_math(diagnosis.evidence)}", style="dim")
    if diagnosis.fix and show_fix:
        text.append("\nHow to fix it: ", style="bold")
        text.append(render_math(diagnosis.fix))
    elif diagnosis.fix:
        text.append("\nh: how to fix it", style="dim")
    return text


def undiagnosed_text(verdict: Verdict) -> Text:
    """A failure no known mistake explains: why the run stopped, and what the code printed."""
    # deferred: math rendering loads pylatexenc (optional, slow to import) on first use
    from studyapp.content.mathtext import render_math

    message = verdict.message.strip()
    if not message and verdict.status != "failed":
        first = next(iter(failing(verdict)), None)
        message = first.message.strip() if first is not None else ""
    text = Text()
    text.append("No known misconception matches.", style="dim")
    if message:
        text.append("\n" + render_math(message))
    printed = verdict.stdout.strip()
    if printed:
        text.append("\nYour code printed:\n", style="dim")
        text.append("\n".join(printed.splitlines()[:8]))
    return text


def render_value(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.8g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    return str(value)


class DiffPanel(Static):
    """Expected vs got for the worst failing check."""

    def show(self, verdict: Verdict) -> None:
        worst = worst_check(verdict)
        if worst is None or (worst.expected is None and worst.got is None):
            self.update("")
            self.display = False
            return
        self.update(render_diff(worst))
        self.display = True


def diff_head(test: TestResult) -> Text:
    head = Text()
    head.append("Worst check: ", style="bold")
    head.append(test.name)
    if test.regime:
        head.append(f" ({test.regime})", style="dim")
    where = []
    if test.first_bad_step is not None:
        where.append(f"first bad step {test.first_bad_step}")
    if test.worst_index is not None:
        where.append(f"at index {render_value(test.worst_index)}")
    if where:
        head.append("\n" + " · ".join(where), style="dim")
    return head


def render_diff(test: TestResult) -> Group:
    expected, got = render_value(test.expected), render_value(test.got)
    parts: list[RenderableType] = [diff_head(test)]
    if "\n" in expected or "\n" in got:
        diff = Text()
        for line in difflib.unified_diff(expected.splitlines(), got.splitlines(),
                                         "expected", "got", lineterm=""):
            style = "green3" if line.startswith("+") else "red" if line.startswith("-") else "dim"
            diff.append(line + "\n", style=style)
        parts.append(diff)
    else:
        lines = Text()
        lines.append("- expected ", style="red")
        lines.append(expected + "\n")
        lines.append("+ got      ", style="green3")
        lines.append(got)
        parts.append(lines)
    numbers = []
    if test.max_abs_err is not None:
        numbers.append(f"max abs err {test.max_abs_err:.3e}")
    if test.max_rel_err is not None:
        numbers.append(f"max rel err {test.max_rel_err:.3e}")
    if numbers:
        parts.append(Text(" · ".join(numbers), style="dim"))
    return Group(*parts)
