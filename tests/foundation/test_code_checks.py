"""mypy over the whole package, with pyproject.toml's [tool.mypy] (strict for storage,
scheduling and grading), so CI fails on a type error as it does on a failing test."""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                                reason="mypy is not installed")


def run_mypy(root: Path, cache_dir: Path) -> subprocess.CompletedProcess[str]:
    """`mypy` as `make lint` runs it: no arguments, the files and flags from root's pyproject."""
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache_dir)], cwd=root,
                          capture_output=True, text=True, timeout=600)


def errors_by_package(output: str) -> Counter[str]:
    return Counter(re.findall(r"^studyapp/(\w+)[/.].*: error:", output, flags=re.MULTILINE))


# About a minute from a cold cache on a 2-core machine; the repository's .mypy_cache (ignored by
# git) makes the next run take seconds.
@pytest.mark.slow
def test_the_package_type_checks():
    result = run_mypy(REPO, REPO / ".mypy_cache")
    by_package = ", ".join(f"{name}: {count}" for name, count in errors_by_package(result.stdout)
                           .most_common())
    assert result.returncode == 0, f"mypy errors by package: {by_package}\n{result.stdout}"


def test_strict_applies_to_the_strict_layers_only(tmp_path):
    """The same untyped function is an error in storage (strict) and accepted in stats."""
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    untyped = "def double(x):\n    return x * 2\n"
    for package in ("storage", "stats"):
        (tmp_path / "studyapp" / package).mkdir(parents=True)
        (tmp_path / "studyapp" / package / "__init__.py").touch()
        (tmp_path / "studyapp" / package / "numbers.py").write_text(untyped)
    (tmp_path / "studyapp" / "__init__.py").touch()
    result = run_mypy(tmp_path, tmp_path / ".mypy_cache")
    assert result.returncode == 1, result.stdout + result.stderr
    assert errors_by_package(result.stdout) == {"storage": 1}, result.stdout
    assert "no-untyped-def" in result.stdout


PACKAGE = REPO / "studyapp"
# The packages whose deferred imports are all commented (every package now, the TUI included).
COMMENTED_PACKAGES = ("storage", "content", "interop", "cli", "grading", "scheduling", "stats",
                      "study", "tui")
# An ImportError fallback for a module that exists now (issue 18 removes such dead code)
NOT_YET: set[str] = set()


def deferred_imports(path: Path) -> list[tuple[int, bool]]:
    """(line, has a comment) for each import inside a function of the module at `path`: a
    comment on the import's line, or above the group of imports it belongs to, says why."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: dict[int, bool] = {}
    for function in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                found[node.lineno] = "#" in lines[node.lineno - 1] or _group_comment(lines, node.lineno - 1)
    return sorted(found.items())


def _group_comment(lines: list[str], index: int) -> bool:
    """Whether the nearest line above lines[index] that is neither an import nor blank is a comment."""
    for line in reversed(lines[:index]):
        text = line.strip()
        if text and not text.startswith(("import ", "from ")):
            return text.startswith("#")
    return False


def commented_modules() -> list[Path]:
    """The modules held to commenting their deferred imports: the packages above and the
    top-level modules (studyapp/*.py)."""
    paths = [path for package in COMMENTED_PACKAGES
             for path in sorted((PACKAGE / package).rglob("*.py"))]
    return paths + sorted(PACKAGE.glob("*.py"))


def test_deferred_imports_say_why():
    silent = [f"{path.relative_to(REPO)}:{line}" for path in commented_modules()
              if str(path.relative_to(REPO)) not in NOT_YET
              for line, commented in deferred_imports(path) if not commented]
    assert silent == []


def test_the_checked_modules_are_real():
    """The list reaches every named package and the top level (a typo would check nothing)."""
    names = {str(path.relative_to(PACKAGE)) for path in commented_modules()}
    assert {"cli/main.py", "grading/worker.py", "scheduling/optimize.py", "stats/memory.py",
            "study/cards.py", "__init__.py", "storage/db.py", "tui/app.py",
            "tui/screens/dashboard.py", "tui/widgets/card_image.py"} <= names


def test_a_silent_deferred_import_is_found(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("import os\n\n\ndef f():\n    import json\n\n    # deferred: costly\n"
                      "    import csv\n    import gzip\n\n    from os import path\n"
                      "    return json, csv, gzip, os, path\n")
    assert deferred_imports(module) == [(5, False), (8, True), (9, True), (11, True)]
