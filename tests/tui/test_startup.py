"""The UI process stays small: no torch anywhere in the app's modules, screens loaded lazily."""

from __future__ import annotations

import subprocess
import sys

SCREENS = [
    "studyapp.tui.app",
    "studyapp.tui.launch",
    "studyapp.tui.screens.review",
    "studyapp.tui.screens.exercise",
    "studyapp.tui.screens.browse",
    "studyapp.tui.screens.stats",
    "studyapp.tui.screens.settings",
    "studyapp.tui.screens.help",
    "studyapp.grading.client",
    "studyapp.scheduling.service",
]


def imported_after(code: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
                            capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_no_screen_imports_torch():
    loaded = imported_after("\n".join(f"import {name}" for name in SCREENS))
    assert "torch" not in loaded
    assert "textual" in loaded


def test_the_app_module_loads_only_the_dashboard():
    loaded = imported_after("import studyapp.tui.app")
    assert "studyapp.tui.screens.dashboard" in loaded
    lazy = {"studyapp.tui.screens.exercise", "studyapp.tui.screens.browse", "studyapp.tui.screens.review",
            "studyapp.grading.client", "textual.widgets._text_area", "textual.widgets._markdown"}
    assert not lazy & loaded
