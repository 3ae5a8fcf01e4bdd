"""The core layers never import textual, and nothing below the grader worker imports torch.

Each check runs in a fresh interpreter, because this test process may already have
imported anything."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import studyapp

PACKAGE_DIR = Path(studyapp.__file__).parent
# The grader's worker side imports torch by design; it runs in its own process.
WORKER_SIDE = {
    "worker",
    "zygote",
    "child",
    "runner",
    "wire",
    "kit",
    "kit_masks",
    "kit_samples",
    "compare",
    "assemble",
    "guards",
    "probes",
}


def core_modules() -> list[str]:
    """Every module of studyapp except the TUI (found on disk, so new ones are covered)."""
    names = []
    for info in pkgutil.walk_packages([str(PACKAGE_DIR)], prefix="studyapp."):
        parts = info.name.split(".")
        if parts[1] in ("tui", "_data") or parts[-1] == "__main__":
            continue
        if parts[1] == "grading" and parts[-1] in WORKER_SIDE:
            continue
        names.append(info.name)
    return names


def test_the_module_list_is_real():
    names = core_modules()
    assert {"studyapp.storage.db", "studyapp.scheduling.service", "studyapp.grading.client",
            "studyapp.stats", "studyapp.interop", "studyapp.study", "studyapp.cli.main",
            # interop (it once had a test of its own)
            "studyapp.interop.anki_import", "studyapp.interop.anki_export",
            "studyapp.interop.csv_import", "studyapp.cli.interop_commands"} <= set(names)
    assert not any(n.startswith("studyapp.tui") for n in names)


def _imported_after(modules: list[str]) -> set[str]:
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError as exc:\n"
        "        if not name.startswith(exc.name): raise\n"
        "print('\\n'.join(sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


@pytest.fixture(scope="module")
def loaded() -> set[str]:
    return _imported_after(core_modules())


def test_core_never_imports_textual(loaded):
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}


def test_core_and_cli_never_import_torch(loaded):
    # The TUI process must stay small and start fast; torch lives in the grader worker only.
    assert "torch" not in loaded


def test_tui_does_import_textual_so_the_check_can_fail():
    assert "textual" in _imported_after(["studyapp.tui.app"])
