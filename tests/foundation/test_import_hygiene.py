"""The core layers never import textual, and nothing below the grader worker imports torch.

Each check runs in a fresh interpreter, because this test process may already have
imported anything."""

import subprocess
import sys

import pytest

CORE_MODULES = [
    "studyapp.storage.db",
    "studyapp.storage.models",
    "studyapp.storage.migrate",
    "studyapp.content.loader",
    "studyapp.content.sync",
    "studyapp.content.service",
    "studyapp.scheduling.days",
    "studyapp.cli.main",
    "studyapp.cli.context",
]
OPTIONAL_CORE_MODULES = [
    "studyapp.scheduling.service",
    "studyapp.grading",
    "studyapp.grading.client",
    "studyapp.stats",
    "studyapp.interop",
]


def _imported_after(modules: list[str]) -> set[str]:
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError as exc:\n"
        "        if not name.startswith(exc.name): raise  # a layer not written yet\n"
        "print('\\n'.join(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


@pytest.fixture(scope="module")
def loaded() -> set[str]:
    return _imported_after(CORE_MODULES + OPTIONAL_CORE_MODULES)


def test_core_never_imports_textual(loaded):
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}


def test_core_and_cli_never_import_torch(loaded):
    # The TUI process must stay small and start fast; torch lives in the grader worker only.
    assert "torch" not in loaded


def test_tui_does_import_textual_so_the_check_can_fail():
    assert "textual" in _imported_after(["studyapp.tui.app"])
