"""How a grader verdict is shown: the results table, the diagnosis, the worst check's diff.

Verdicts are read by attribute or key, so a test's fake and the grader's own Verdict
both work."""

from __future__ import annotations

import difflib
from typing import Any

from rich.console import Group
from rich.text import Text
from textual.widgets import DataTable, Static

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


def get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def tests_of(verdict: Any) -> list[Any]:
    return list(get(verdict, "tests", None) or [])


def failing(verdict: Any) -> list[Any]:
    return [t for t in tests_of(verdict) if get(t, "status") != "passed"]


def worst_check(verdict: Any) -> Any | None:
    """The failing check with the largest absolute error (the first failing one when no
    check has a number)."""
    bad = failing(verdict)
    if not bad:
        return None
    return max(bad, key=lambda t: (get(t, "max_abs_err") is not None, get(t, "max_abs_err") or 0.0))


def error_text(test: Any) -> str:
    abs_err = get(test, "max_abs_err")
    if abs_err is not None and get(test, "status") != "passed":
        return f"{abs_err:.2e}"
    if get(test, "status") == "passed":
        return ""
    lines = [line.strip() for line in (get(test, "message") or "").strip().splitlines() if line.strip()]
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

    def show(self, verdict: Any) -> None:
        self.clear()
        tests = tests_of(verdict)
        if not tests:
            status = get(verdict, "status", "?")
            self.add_row("—", Text(status, style=STATUS_STYLES.get(status, "")), get(verdict, "message", "") or "",
                         "", "")
            return
        # failing checks first: they are what the learner needs to read
        tests.sort(key=lambda t: get(t, "status") == "passed")
        for index, test in enumerate(tests):
            status = get(test, "status", "?")
            step = get(test, "first_bad_step")
            self.add_row(
                get(test, "name", ""),
                Text(status, style=STATUS_STYLES.get(status, "")),
                error_text(test),
                "" if step is None else str(step),
                get(test, "regime", "") or "",
                key=f"t{index}",
            )


def verdict_headline(verdict: Any) -> Text:
    status = get(verdict, "status", "?")
    tests = tests_of(verdict)
    passed = sum(1 for t in tests if get(t, "status") == "passed")
    text = Text()
    text.append(" PASSED " if status == "passed" else f" {status.upper()} ",
                style=("reverse " + STATUS_STYLES.get(status, "bold")))
    if tests:
        text.append(f"  {passed} of {len(tests)} checks passed")
    duration = get(verdict, "duration_ms")
    device = get(verdict, "device")
    if duration is not None:
        text.append(f" · {duration} ms", style="dim")
    if device:
        text.append(f" · {device}", style="dim")
    return text


def fix_text(diagnosis: Any) -> str:
    """How to fix a diagnosed mistake, when the grader gives it apart from what is wrong."""
    for name in ("fix", "how_to_fix"):
        value = get(diagnosis, name)
        if value:
            return str(value)
    return ""


class DiagnosisPanel(Static):
    """Names the mistake, in tiers: what is wrong and the evidence first; how to fix it only
    once ``show_fix`` (the hint key, or a second failure with the same diagnosis)."""

    def show(self, verdict: Any, *, show_fix: bool = False) -> None:
        from studyapp.content.mathtext import render_math

        diagnosis = get(verdict, "diagnosis")
        status = get(verdict, "status")
        if diagnosis:
            text = Text()
            text.append("Diagnosis", style="bold dark_orange")
            identifier = get(diagnosis, "id")
            if identifier:
                text.append(f"  ({identifier})", style="dim")
            text.append("\n")
            what = get(diagnosis, "what", "") or get(diagnosis, "text", "") or ""
            text.append(render_math(what))
            evidence = get(diagnosis, "evidence", "") or ""
            if evidence:
                text.append(f"\nEvidence: {render_math(evidence)}", style="dim")
            fix = fix_text(diagnosis)
            if fix and show_fix:
                text.append("\nHow to fix it: ", style="bold")
                text.append(render_math(fix))
            elif fix:
                text.append("\nh: how to fix it", style="dim")
            self.update(text)
            self.display = True
        elif status not in (None, "passed"):
            message = (get(verdict, "message") or "").strip()
            if not message and status != "failed":
                first = next(iter(failing(verdict)), None)
                message = (get(first, "message", "") or "").strip() if first is not None else ""
            text = Text()
            text.append("No known misconception matches.", style="dim")
            if message:
                text.append("\n" + render_math(message))
            printed = (get(verdict, "stdout") or "").strip()
            if printed:
                text.append("\nYour code printed:\n", style="dim")
                text.append("\n".join(printed.splitlines()[:8]))
            self.update(text)
            self.display = True
        else:
            self.update("")
            self.display = False


def render_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.8g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    return str(value)


class DiffPanel(Static):
    """Expected vs got for the worst failing check."""

    def show(self, verdict: Any) -> None:
        worst = worst_check(verdict)
        if worst is None or (get(worst, "expected") is None and get(worst, "got") is None):
            self.update("")
            self.display = False
            return
        self.update(render_diff(worst))
        self.display = True


def render_diff(test: Any) -> Group:
    head = Text()
    head.append("Worst check: ", style="bold")
    head.append(str(get(test, "name", "")))
    regime = get(test, "regime")
    if regime:
        head.append(f" ({regime})", style="dim")
    where = []
    step = get(test, "first_bad_step")
    if step is not None:
        where.append(f"first bad step {step}")
    index = get(test, "worst_index")
    if index is not None:
        where.append(f"at index {render_value(index)}")
    if where:
        head.append("\n" + " · ".join(where), style="dim")
    expected, got = render_value(get(test, "expected")), render_value(get(test, "got"))
    parts: list[Any] = [head]
    if "\n" in expected or "\n" in got:
        diff = Text()
        for line in difflib.unified_diff(expected.splitlines(), got.splitlines(), "expected", "got", lineterm=""):
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
    if get(test, "max_abs_err") is not None:
        numbers.append(f"max abs err {get(test, 'max_abs_err'):.3e}")
    if get(test, "max_rel_err") is not None:
        numbers.append(f"max rel err {get(test, 'max_rel_err'):.3e}")
    if numbers:
        parts.append(Text(" · ".join(numbers), style="dim"))
    return Group(*parts)
